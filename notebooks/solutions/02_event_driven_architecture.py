"""Solutions to the exercises of notebook 02 · Event-driven architecture."""


def exercise_1_add_fraud_check(lab, fraud):
    """A second rule on the bus ``shop`` that matches only orders with ``total`` > 1000, the fraud
    function as its target, and the permission EventBridge needs to invoke it for that rule.
    The producer is not touched."""
    rule = lab.events.put_rule("fraud-check", event_bus="shop", event_pattern={
        "source": ["shop.orders"], "detail-type": ["OrderPlaced"],
        "detail": {"total": [{"numeric": [">", 1000]}]}})
    lab.events.put_targets("fraud-check", [{"Id": "fraud", "Arn": fraud.arn}], event_bus="shop")
    lab.awslambda.add_permission(fraud.name, "eventbridge-fraud", "lambda:InvokeFunction",
                                 "events.amazonaws.com", source_arn=rule.arn)


def exercise_2_advantages() -> list:
    """1: an outage others do not feel; 2: each consumer scales on its own; 3: retries and the DLQ
    keep events; 4: events are handled almost at once."""
    return ["decoupling", "scalability", "availability", "real-time"]
