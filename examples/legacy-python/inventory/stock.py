def normalize_sku(sku: str) -> str:
    return sku.strip().upper().replace(" ", "-")


def is_low(quantity: int, threshold: int = 5) -> bool:
    return quantity < threshold


def restock_amount(quantity: int, target: int = 50) -> int:
    return max(0, target - quantity)


def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    merged = dict(a)
    for sku, count in b.items():
        merged[sku] = merged.get(sku, 0) + count
    return merged
