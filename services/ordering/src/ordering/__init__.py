"""Orders: placed from baskets, driven through the saga, shown with their timeline."""
