"""Demo products and their stock, created through the shop's API as an administrator would."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

# (sku, name, category, price, description)
PRODUCTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("MUG-001", "Stoneware mug", "kitchen", "12.50", "A 350 ml mug that keeps coffee warm."),
    ("MUG-002", "Enamel camping mug", "kitchen", "9.90", "Light, tough, and fine over a fire."),
    ("KTL-001", "Gooseneck kettle", "kitchen", "49.00", "Pours slowly and precisely."),
    ("KNF-001", "Chef's knife", "kitchen", "79.00", "A 20 cm blade of carbon steel."),
    ("BRD-001", "Oak cutting board", "kitchen", "34.00", "End-grain oak, oiled."),
    ("PAN-001", "Cast iron skillet", "kitchen", "45.00", "Pre-seasoned, 26 cm."),
    ("TEA-001", "Loose leaf green tea", "kitchen", "8.40", "Sencha, 100 g."),
    (
        "BOK-001",
        "Designing Data-Intensive Applications",
        "books",
        "42.00",
        "Storage, streams, and the trade-offs between them.",
    ),
    (
        "BOK-002",
        "Architecture Patterns with Python",
        "books",
        "39.00",
        "Domain modelling and events in Python.",
    ),
    ("BOK-003", "Release It!", "books", "37.50", "Stability patterns for production systems."),
    ("BOK-004", "The Pragmatic Programmer", "books", "41.00", "From journeyman to master."),
    ("BOK-005", "Refactoring", "books", "44.00", "Improving the design of existing code."),
    (
        "BOK-006",
        "Site Reliability Engineering",
        "books",
        "48.00",
        "How a large operator runs production.",
    ),
    ("TSH-001", "Organic cotton t-shirt", "apparel", "19.00", "Plain, heavy, long-lasting."),
    ("HOD-001", "Merino hoodie", "apparel", "89.00", "Warm without the weight."),
    ("SCK-001", "Wool socks, three pairs", "apparel", "21.00", "Reinforced heel and toe."),
    ("CAP-001", "Canvas cap", "apparel", "16.00", "Adjustable strap."),
    ("JKT-001", "Rain jacket", "apparel", "129.00", "Taped seams, packs into its pocket."),
    (
        "KEY-001",
        "Mechanical keyboard",
        "electronics",
        "119.00",
        "Tenkeyless, hot-swappable switches.",
    ),
    ("MOU-001", "Wireless mouse", "electronics", "39.00", "Quiet buttons, USB-C charging."),
    ("HDP-001", "Noise-cancelling headphones", "electronics", "229.00", "Thirty hours a charge."),
    ("CBL-001", "USB-C cable, 2 m", "electronics", "11.00", "100 W, braided."),
    ("LMP-001", "Desk lamp", "electronics", "59.00", "Dimmable, warm to cool light."),
    ("PWR-001", "Power bank 10,000 mAh", "electronics", "32.00", "Charges a phone three times."),
    ("PLT-001", "Snake plant", "garden", "24.00", "Thrives on neglect."),
    ("POT-001", "Terracotta pot", "garden", "7.50", "18 cm, with a saucer."),
    ("SEC-001", "Pruning shears", "garden", "27.00", "Bypass blades for clean cuts."),
    ("SED-001", "Herb seed collection", "garden", "12.00", "Basil, parsley, chives and thyme."),
)


DEMO_STOCK = 100


def _send(http: httpx.Client, method: str, url: str, **options: Any) -> httpx.Response:
    """Send, waiting out a shop that is still starting (a gateway answering 502/503)."""
    for _ in range(30):
        try:
            response = http.request(method, url, **options)
        except httpx.TransportError:
            time.sleep(1)
            continue
        if response.status_code not in (502, 503):
            return response
        time.sleep(1)
    return http.request(method, url, **options)


def create_demo_products(
    catalog_url: str,
    inventory_url: str,
    token: str,
    report: Callable[[str], None] = print,
) -> int:
    """Create the demo products that are missing, each with stock; return how many were
    created. The URLs are the gateway's, or each service's own (the paths are the same)."""
    created = 0
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=catalog_url, headers=headers, timeout=10) as catalog,
        httpx.Client(base_url=inventory_url, headers=headers, timeout=10) as inventory,
    ):
        for sku, name, category, price, description in PRODUCTS:
            body = {
                "sku": sku,
                "name": name,
                "category": category,
                "price": price,
                "currency": "EUR",
                "description": description,
            }
            response = _send(catalog, "POST", "/catalog/products", json=body)
            if response.status_code != 409:
                response.raise_for_status()
                created += 1
            stock = _send(inventory, "GET", f"/inventory/stock/{sku}")
            if stock.status_code == 404:
                level = {"on_hand": DEMO_STOCK}
                _send(inventory, "PUT", f"/inventory/stock/{sku}", json=level).raise_for_status()
    report(f"{created} demo products created, {len(PRODUCTS) - created} already there")
    return created
