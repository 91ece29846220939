def apply_discount(price: float, percent: float) -> float:
    if percent < 0 or percent > 100:
        raise ValueError("percent must be between 0 and 100")
    return round(price * (1 - percent / 100), 2)


def add_tax(price: float, rate: float = 0.2) -> float:
    return round(price * (1 + rate), 2)


def bulk_price(unit_price: float, quantity: int) -> float:
    if quantity >= 100:
        return apply_discount(unit_price * quantity, 10)
    if quantity >= 10:
        return apply_discount(unit_price * quantity, 5)
    return round(unit_price * quantity, 2)
