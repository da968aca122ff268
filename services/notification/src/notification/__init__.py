"""What a customer is told about their orders and payments."""
