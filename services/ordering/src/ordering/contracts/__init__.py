"""What ordering publishes to `ordering-events`, and what it reads from the commands it is sent."""
