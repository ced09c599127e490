"""Configuration of outside ground systems for the space link farside serve opens."""
