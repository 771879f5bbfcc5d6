"""Built-in rules as data (rules/<id>.yaml), shipped inside the npaudit package."""
