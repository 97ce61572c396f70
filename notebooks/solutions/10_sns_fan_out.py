"""Solutions of notebook 10 (SNS fan-out)."""


def exercise_1_eu_policy():
    """Only EU orders with an amount over 100 (attribute scope): both keys must match."""
    return {"region": ["EU"], "amount": [{"numeric": [">", 100]}]}


def exercise_2_who_gets_what():
    """Which subscriber receives which message.

    audit has no policy: every message. warehouse: kind "order" AND region not "US" (m1, m4).
    fraud-check: amount >= 1000 (m2 with 1200, m3 with exactly 1000). eu-marketing: region
    starting with "EU" AND no coupon attribute (m1, m3)."""
    return {"m1": {"audit", "warehouse", "eu-marketing"},
            "m2": {"audit", "fraud-check"},
            "m3": {"audit", "fraud-check", "eu-marketing"},
            "m4": {"audit", "warehouse"}}
