"""Solutions to the exercises of notebook 11 · EventBridge."""


def exercise_1_stop_pattern() -> dict:
    """EC2 state changes whose new state is stopped or terminated: name the source and the
    detail-type (so look-alikes from other sources do not match) and list the two states (a
    list of values is an OR)."""
    return {"source": ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["stopped", "terminated"]}}


def exercise_2_weekday_cron() -> str:
    """09:30 UTC Monday to Friday: Minutes 30, Hours 9, Day-of-month ? (Day-of-week is set),
    any month, MON-FRI (2-6), any year."""
    return "cron(30 9 ? * MON-FRI *)"
