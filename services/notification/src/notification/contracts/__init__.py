"""What notification reads from other services' events: only these fields, checked against
the producers' published schemas by the contract tests."""
