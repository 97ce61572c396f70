"""Schedule expressions of EventBridge scheduled rules: ``rate(...)`` and ``cron(...)``.

As documented at https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html:

- ``rate(value unit)``: a positive whole number and ``minute``/``minutes``, ``hour``/``hours``,
  ``day``/``days`` (singular when the value is 1, plural otherwise). Nothing faster than one
  minute exists. The lab fires a rate rule first one period after the rule was created
  (AWS starts the schedule "when you create the rule"; the exact first instant is not published).
- ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``: six fields, always UTC.
  Minutes 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or JAN-DEC, Day-of-week 1-7 or
  SUN-SAT (1 = Sunday), Year 1970-2199. Wildcards: ``,`` ``-`` ``*`` ``/`` everywhere;
  ``?`` in Day-of-month and Day-of-week, one of which must be ``?`` (they cannot both be set);
  ``L`` (last day of the month; in Day-of-week ``L`` is the last day of the week, Saturday, and
  ``5L`` the last Thursday of the month);
  ``W`` in Day-of-month (``3W``: the weekday nearest the 3rd, within the month); ``#`` in
  Day-of-week (``3#2``: the second Tuesday).

Next fire times are computed arithmetically (a day-by-day scan that skips months and years that
cannot match), so a schedule costs one clock event per firing, however far apart they are.
"""
from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from datetime import datetime, timedelta, timezone

from ..clock import EPOCH
from ..errors import ValidationException

_INVALID = "Parameter ScheduleExpression is not valid."
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
MAX_YEAR = 2199


def _bad(why: str):
    raise ValidationException(f"{_INVALID} {why}")


class Rate:
    """``rate(value unit)``: fires every ``seconds`` after ``start``."""

    def __init__(self, expression: str, seconds: int):
        self.expression = expression
        self.seconds = seconds

    def next_after(self, t: float, start: float, tz=None) -> float:
        """The first fire time strictly after lab time ``t`` for a schedule created at ``start``
        (``tz`` does not matter for rates)."""
        n = int((t - start) // self.seconds) + 1
        return start + n * self.seconds

    def __repr__(self):
        return f"<Rate {self.expression}>"


def _field(text: str, low: int, high: int, names: dict | None, what: str) -> list[int]:
    """A plain cron field (``*``, lists, ranges, steps) as a sorted list of values."""
    out: set[int] = set()

    def value(tok: str) -> int:
        tok = tok.upper()
        if names and tok in names:
            return names[tok]
        if not tok.isdigit():
            _bad(f"'{text}' is not a valid {what} value.")
        v = int(tok)
        if not low <= v <= high:
            _bad(f"{what} must be between {low} and {high} (got {v}).")
        return v

    for part in text.split(","):
        if not part:
            _bad(f"'{text}' is not a valid {what} value.")
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                _bad(f"'{part}': the increment after / must be a positive number.")
            step = int(step_text)
        if base == "*":
            a, b = low, high
        elif "-" in base:
            a_text, _, b_text = base.partition("-")
            a, b = value(a_text), value(b_text)
            if a > b:
                _bad(f"'{part}': a range must go from low to high.")
        else:
            a = value(base)
            b = high if slash else a
        out.update(range(a, b + 1, step))
    return sorted(out)


class Cron:
    """``cron(Minutes Hours Day-of-month Month Day-of-week Year)`` in UTC."""

    def __init__(self, expression: str, fields: list[str]):
        self.expression = expression
        minutes, hours, dom, month, dow, year = fields
        self.minutes = _field(minutes, 0, 59, None, "Minutes")
        self.hours = _field(hours, 0, 23, None, "Hours")
        self.months = set(_field(month, 1, 12, _MONTHS, "Month"))
        self.years = set(_field(year, 1970, MAX_YEAR, None, "Year"))
        if (dom == "?") == (dow == "?"):
            _bad("Specify ? in exactly one of Day-of-month and Day-of-week "
                 "(they cannot both be set, and one of them must be).")
        self.dom = None if dom == "?" else self._dom(dom)
        self.dow = None if dow == "?" else self._dow(dow)

    # -- day fields ----------------------------------------------------------------------
    @staticmethod
    def _dom(text: str):
        if text == "L":
            return ("L",)
        match = re.fullmatch(r"(\d+)W", text)
        if match:
            day = int(match.group(1))
            if not 1 <= day <= 31:
                _bad("Day-of-month must be between 1 and 31.")
            return ("W", day)
        return ("set", set(_field(text, 1, 31, None, "Day-of-month")))

    @staticmethod
    def _dow(text: str):
        upper = text.upper()
        if upper == "L":
            return ("set", {7})                    # "the last day of the week": Saturday
        match = re.fullmatch(r"(\w+)L", upper)
        if match:
            return ("last", _field(match.group(1), 1, 7, _DAYS, "Day-of-week")[0])
        match = re.fullmatch(r"(\w+)#(\d)", upper)
        if match:
            nth = int(match.group(2))
            if not 1 <= nth <= 5:
                _bad("The number after # must be between 1 and 5.")
            return ("nth", _field(match.group(1), 1, 7, _DAYS, "Day-of-week")[0], nth)
        return ("set", set(_field(text, 1, 7, _DAYS, "Day-of-week")))

    def _day_matches(self, y: int, m: int, d: int) -> bool:
        last = calendar.monthrange(y, m)[1]
        if self.dom is not None:
            kind = self.dom[0]
            if kind == "L":
                return d == last
            if kind == "W":
                target = min(self.dom[1], last)
                wd = calendar.weekday(y, m, target)          # Monday = 0
                if wd == 5:                                   # Saturday: Friday before ...
                    target = target - 1 if target > 1 else target + 2   # ... or Monday after
                elif wd == 6:                                 # Sunday: Monday after ...
                    target = target + 1 if target < last else target - 2  # ... or Friday before
                return d == target
            return d in self.dom[1]
        weekday = (calendar.weekday(y, m, d) + 1) % 7 + 1     # AWS: 1 = Sunday ... 7 = Saturday
        kind = self.dow[0]
        if kind == "last":
            return weekday == self.dow[1] and d + 7 > last
        if kind == "nth":
            return weekday == self.dow[1] and (d - 1) // 7 + 1 == self.dow[2]
        return weekday in self.dow[1]

    # -- next fire ---------------------------------------------------------------------------
    def next_after(self, t: float, start: float = 0.0, tz=None) -> float | None:
        """The first fire time strictly after lab time ``t`` (None past the year 2199).

        ``tz`` (a ``zoneinfo.ZoneInfo``, EventBridge Scheduler only) reads the fields as wall
        time in that zone: a wall time skipped by a daylight-saving change fires at the same
        offset after the change, a repeated one fires once (the first)."""
        if tz is None:
            found = self._next_wall(EPOCH + timedelta(seconds=t))
            return None if found is None else (found - EPOCH).total_seconds()
        local = (EPOCH + timedelta(seconds=t)).astimezone(tz).replace(tzinfo=None)
        while True:
            found = self._next_wall(local)
            if found is None:
                return None
            fire = (found.replace(tzinfo=tz) - EPOCH).total_seconds()
            if fire > t:
                return fire
            local = found

    def _next_wall(self, moment: datetime):
        """The first matching minute strictly after ``moment`` (same tzinfo), or None."""
        tzinfo = moment.tzinfo
        # the next whole minute strictly after the moment
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        y, m, d = moment.year, moment.month, moment.day
        hh, mm = moment.hour, moment.minute
        while y <= MAX_YEAR:
            if y not in self.years:
                y, m, d, hh, mm = y + 1, 1, 1, 0, 0
                continue
            if m not in self.months:
                m, d, hh, mm = m + 1, 1, 0, 0
                if m > 12:
                    y, m = y + 1, 1
                continue
            last = calendar.monthrange(y, m)[1]
            if d > last:
                m, d, hh, mm = m + 1, 1, 0, 0
                if m > 12:
                    y, m = y + 1, 1
                continue
            if self._day_matches(y, m, d):
                hit = self._time_at_or_after(hh, mm)
                if hit is not None:
                    return datetime(y, m, d, hit[0], hit[1], tzinfo=tzinfo)
            d, hh, mm = d + 1, 0, 0
        return None

    def _time_at_or_after(self, hh: int, mm: int):
        hours, minutes = self.hours, self.minutes
        i = bisect_left(hours, hh)
        if i < len(hours) and hours[i] == hh:
            j = bisect_left(minutes, mm)
            if j < len(minutes):
                return hh, minutes[j]
            i += 1
        if i < len(hours):
            return hours[i], minutes[0]
        return None

    def __repr__(self):
        return f"<Cron {self.expression}>"


def parse_schedule(expression: str) -> Rate | Cron:
    """A :class:`Rate` or :class:`Cron` from a ScheduleExpression, or ValidationException."""
    if not isinstance(expression, str):
        _bad("It must be a string such as 'rate(5 minutes)' or 'cron(0 8 * * ? *)'.")
    match = _RATE.match(expression)
    if match:
        value, unit = int(match.group(1)), match.group(2)
        if value < 1:
            _bad("The rate value must be a positive whole number.")
        singular = unit.rstrip("s")
        if (value == 1) != (unit == singular):
            _bad(f"Use the singular unit for 1 and the plural otherwise "
                 f"(e.g. 'rate(1 {singular})', 'rate({max(value, 2)} {singular}s)').")
        return Rate(expression, value * _UNIT_SECONDS[singular])
    if expression.startswith("rate("):
        _bad("Write 'rate(value unit)' with a whole number and minute(s), hour(s) or day(s), "
             "e.g. 'rate(5 minutes)'; nothing faster than 1 minute.")
    if expression.startswith("cron(") and expression.endswith(")"):
        fields = expression[5:-1].split()
        if len(fields) != 6:
            _bad(f"A cron expression has 6 fields (Minutes Hours Day-of-month Month "
                 f"Day-of-week Year), got {len(fields)}; e.g. 'cron(0 8 * * ? *)'.")
        return Cron(expression, fields)
    _bad("Use 'rate(value unit)' or 'cron(Minutes Hours Day-of-month Month Day-of-week Year)'.")
