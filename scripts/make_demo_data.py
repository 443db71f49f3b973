"""Generate the Nordhem demo data set (stdlib only, seeded, byte-identical on re-run).

    python scripts/make_demo_data.py --seed 7 --out data/sample

Nordhem is a Nordic home & lifestyle retailer (stores in SE/NO/DK plus a web shop) with a
loyalty club, Nordhem Club. The script writes four UTF-8 files:

- ``feedback.csv``: tickets, surveys, retailer notes (store staff, third person) and reviews;
  columns ``source_id,channel,created_at,customer_id,store_id,language,rating,nps,text,
  order_ref`` (``order_ref`` is an extra column that ingest keeps as metadata). Tickets are
  e-mail-like: greeting and sign-off sit on lines of their own inside the quoted text.
- ``social.jsonl``: channel ``social``, the same keys plus ``handle``; missing values are null.
- ``customers.csv``: ``customer_id,segment,is_member,joined_at,value,churned_at``; ``value`` is
  the revenue in SEK over the 12 months 2025-12-01..2026-11-30 and equals the sum of that
  customer's purchases in that window.
- ``purchases.csv``: ``customer_id,purchased_at,amount`` from 2025-04-01 to 2026-11-30.

Feedback is dated 2026-01-28..2026-08-29 and purchases and churn are observed until
2026-11-30 (``DATA_END``), so every item has more than 90 days of follow-up: the value
stage's forward window (churn and repurchase within 90 days after the reference day) sees
every theme's customers. Fourteen themes (``THEMES``, ``LABELS``) plus ~5%
off-topic noise; ~30% of rows state their ``language``; ~3% contain fake personal data
(e-mail, phone, sometimes a Luhn-valid card number); ~1% repeat another row's text under a
new ``source_id`` (the same customer submitting twice). ``--truth PATH`` also writes the true
theme, its subject area (``CATEGORIES``: 7 areas of two themes each) and language of every
row (not part of the committed sample).

Customers: 4,000, of whom about 2,100 write: 1,500 drawn first (``N_CUSTOMERS``) and 2,500
more (``N_SILENT``, from a second seeded generator so that the texts do not change with
their number). After the texts are written, ``SPREAD`` (70%) of each customer's later items
move to a customer of the same language and country who had not written, drawn like the
theme's writers (``spread_writers``), so most writers write once, as in real data. The
~2,000 customers without themed feedback are the value stage's reference group.

Planted effects (the summary printed at the end shows the realised numbers):

- Baseline: 10% of the customers without themed feedback who are active on any given day
  churn within the next 90 days (customers who never wrote leave at a constant daily hazard;
  about 30% of them leave by 2026-11-30), the reference churn rate of a forward window.
- ``late_delivery`` and ``lost_parcel``: churn 33% (2..80 days after the customer's last
  feedback); fewer purchases in the 90 days after.
- ``rude_staff``: churn 28% and by far the highest-value writers (the expensive problem).
- ``helpful_staff`` and ``easy_returns``: churn 3%; three times the purchase rate in the 90
  days after the feedback (clearly higher repurchase than everyone else).
- ``club_spam``: written by club members who are mostly discount hunters: many small
  purchases, almost only in member-campaign weeks; below-median value.
- ``member_prices``: members only, churn 6%, more purchases afterwards.
- ``slow_refund``, ``checkout_failure``, ``broken_on_arrival``, ``app_login``: churn 15-18%.
- ``out_of_stock``: mildly negative wording but no effect on churn or purchases (a control).
- Trends: ``app_login`` surges after the app update of 2026-07-16 (the last six weeks);
  ``late_delivery`` peaks in the spring rush 2026-04-06..05-03 (and 06-08..06-21);
  ``club_spam`` peaks in campaign weeks; ``store_queues`` in the spring sale
  (2026-04-20..05-10); ``store_atmosphere`` rises with the summer collection (from 06-30).
- A writer's churn is dated 2..80 days after their last feedback (and within 88 days of
  their first feedback on the theme where their writing allows), at the exact rate of their
  group (see ``plant_churn``); churned customers make no purchases on or after
  ``churned_at``. Nothing is dated after 2026-11-30.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from statistics import mean, median

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo_phrases as ph  # noqa: E402

FEEDBACK_START, FEEDBACK_END = date(2026, 1, 28), date(2026, 8, 29)
DATA_END = date(2026, 11, 30)  # purchases and churn are observed until here
PURCHASE_START, VALUE_START = date(2025, 4, 1), date(2025, 12, 1)
APP_UPDATE = date(2026, 7, 16)
SPRING_SALE = (date(2026, 4, 20), date(2026, 5, 10))
DELIVERY_PEAKS = [
    (date(2026, 4, 6), date(2026, 5, 3), 3.5),
    (date(2026, 6, 8), date(2026, 6, 21), 2),
]
# fmt: off
CAMPAIGNS = [  # Nordhem Club member weeks: (first day, days)
    (date(2025, 4, 14), 7), (date(2025, 6, 23), 7), (date(2025, 8, 4), 7),
    (date(2025, 9, 22), 7), (date(2025, 10, 24), 10), (date(2025, 12, 22), 7),
    (date(2026, 3, 2), 7), (date(2026, 4, 13), 7), (date(2026, 6, 22), 7), (date(2026, 8, 3), 7),
    (date(2026, 9, 28), 7), (date(2026, 11, 23), 7),
]
# fmt: on
N_CUSTOMERS = 1500  # the customers who may write feedback
N_SILENT = 2500  # customers who would never write (most of a retailer's customers)
SPREAD = 0.7  # share of a customer's later items moved to a customer who had not written
BASE_CHURN = 0.10
COUNTRY_LANG = {"SE": "sv", "NO": "no", "DK": "da"}
LANG_COUNTRY = {v: k for k, v in COUNTRY_LANG.items()}
SEGMENTS = {"private": (50, 0.95), "family": (28, 1.35), "business": (8, 2.6), "student": (14, 0.5)}
"""segment: (share, value multiplier)"""


@dataclass(frozen=True)
class Channel:
    """How one feedback channel looks."""

    name: str
    prefix: str  # source_id prefix
    count: int  # rows before resubmissions
    noise: float  # share of off-topic rows
    linked: float  # share of rows with a customer_id
    pii: float  # share of rows with personal data
    order_ref: float  # multiplier on a theme's order_ref chance
    second: float  # chance of a second theme sentence
    langs: tuple[int, int, int, int]  # weights of sv, no, da, en
    hours: range  # hours of the day it arrives


# fmt: off
CHANNELS = [  # this order is the order of Theme.channels
    #       name             prefix count noise linked pii  order second sv  no  da  en   hours
    Channel("ticket",        "TCK", 880, .03, .97, .08,  1,   .5,  (36, 25, 20, 19), range(7, 24)),
    Channel("survey",        "SRV", 820, .08, .95, .01,  .35, .25, (36, 26, 21, 17), range(8, 23)),
    Channel("retailer_note", "RTN", 340, 0,   .75, .02,  .45, 0,   (42, 32, 26, 0), range(10, 20)),
    Channel("review",        "REV", 560, .04, .8,  .01,  .1,  .3,  (33, 24, 19, 24), range(8, 24)),
    Channel("social",        "SOC", 400, .09, .5,  .005, 0,   0,   (28, 20, 17, 35), range(7, 24)),
]
# fmt: on
CHANNEL = {c.name: c for c in CHANNELS}


@dataclass(frozen=True)
class Store:
    store_id: str
    country: str
    city: str
    city_en: str
    weight: float


# fmt: off
STORES = [
    Store("S-STO-01", "SE", "Stockholm", "Stockholm", 3),
    Store("S-STO-02", "SE", "Stockholm", "Stockholm", 2),
    Store("S-GBG-01", "SE", "Göteborg", "Gothenburg", 2),
    Store("S-MMA-01", "SE", "Malmö", "Malmö", 1.5),
    Store("S-UPP-01", "SE", "Uppsala", "Uppsala", 1),
    Store("S-OSL-01", "NO", "Oslo", "Oslo", 3),
    Store("S-OSL-02", "NO", "Oslo", "Oslo", 2),
    Store("S-BGO-01", "NO", "Bergen", "Bergen", 1.5),
    Store("S-TRD-01", "NO", "Trondheim", "Trondheim", 1),
    Store("S-CPH-01", "DK", "København", "Copenhagen", 3),
    Store("S-CPH-02", "DK", "København", "Copenhagen", 2),
    Store("S-AAR-01", "DK", "Aarhus", "Aarhus", 1.5),
    Store("S-ODE-01", "DK", "Odense", "Odense", 1),
]
# fmt: on


@dataclass(frozen=True)
class Theme:
    """One planted theme: how often, where, how it sounds and what it does to customers."""

    key: str
    sentiment: float  # -1..1: drives rating, NPS and the staff-note framing
    share: float  # relative frequency before channel affinity
    channels: tuple[float, float, float, float, float]  # affinity per CHANNELS entry
    in_store: float  # chance that a ticket/survey/review row names a store
    order_ref: float  # chance that a ticket carries an order number
    churn: float  # planted churn rate of its writers
    after: float  # purchase-rate multiplier in the 90 days after the feedback
    tilt: float  # writers are drawn with weight value**tilt (high tilt: valuable writers)


# fmt: off
THEMES = [
    #     key                  sent share  ticket survey note review social
    #                                                           in_store order churn after tilt
    Theme("late_delivery",     -0.8, 11, (5,  2, 1,   2, 3),   0,    .9, .33, .6,  .2),
    Theme("lost_parcel",       -0.9,  7, (6,  1, .6,  1, 2),   0,    .9, .33, .6,  0),
    Theme("rude_staff",        -0.9,  6, (1,  4, 1.5, 3, 1),   .9,   0,  .28, .6,  1.1),
    Theme("helpful_staff",      0.9,  8, (.3, 5, 2,   4, 1),   .9,   0,  .03, 3.0, .3),
    Theme("easy_returns",       0.8,  7, (1,  4, 2,   3, 1),   .5,   .5, .03, 3.0, .3),
    Theme("slow_refund",       -0.8,  7, (6,  2, 1,   1, 2),   0,    .9, .18, .6,  .3),
    Theme("club_spam",         -0.5,  6, (2,  3, .5,  1, 3),   0,    0,  .14, 1.0, 0),
    Theme("member_prices",      0.7,  7, (.5, 4, 2,   2, 2),   .5,   0,  .06, 1.5, .4),
    Theme("app_login",         -0.7,  8, (5,  2, 1,   1, 3),   0,    0,  .15, .8,  -.2),
    Theme("checkout_failure",  -0.7,  6, (5,  2, .5,  1, 2),   0,    .7, .16, .7,  0),
    Theme("broken_on_arrival", -0.8,  8, (5,  1, 2,   3, 1),   0,    .9, .18, .7,  .5),
    Theme("store_queues",      -0.5,  6, (.5, 4, 2,   3, 2),   .95,  0,  .12, .8,  0),
    Theme("out_of_stock",      -0.2,  6, (2,  3, 3,   2, 1),   .6,   0,  .10, 1.0, 0),
    Theme("store_atmosphere",   0.8,  7, (0,  4, 1,   5, 2),   .95,  0,  .07, 1.3, .2),
]
# fmt: on
BY_KEY = {t.key: t for t in THEMES}
LABELS = {
    "late_delivery": "Late home deliveries",
    "lost_parcel": "Lost parcels and tracking",
    "rude_staff": "Rude or unhelpful store staff",
    "helpful_staff": "Helpful, knowledgeable store staff",
    "easy_returns": "Easy, free returns",
    "slow_refund": "Slow or difficult refunds",
    "club_spam": "Club e-mails are only discounts (spam)",
    "member_prices": "Member prices and bonus points appreciated",
    "app_login": "App login / BankID problems",
    "checkout_failure": "Web checkout and payment failures",
    "broken_on_arrival": "Broken on arrival / poor quality",
    "store_queues": "Long checkout queues in store",
    "out_of_stock": "Out-of-stock items",
    "store_atmosphere": "Nice store atmosphere and range",
}
#: The subject area above each planted theme (the coarse truth for categories; made
#: from the theme names before any measurement): two themes of opposite tone share one
#: where they are about the same thing.
CATEGORIES = {
    "late_delivery": "delivery",
    "lost_parcel": "delivery",
    "rude_staff": "staff",
    "helpful_staff": "staff",
    "easy_returns": "returns",
    "slow_refund": "returns",
    "club_spam": "club",
    "member_prices": "club",
    "app_login": "online",
    "checkout_failure": "online",
    "broken_on_arrival": "products",
    "out_of_stock": "products",
    "store_queues": "store",
    "store_atmosphere": "store",
}


@dataclass(eq=False)
class Customer:
    customer_id: str
    country: str
    lang: str  # the language this customer writes in
    segment: str
    is_member: bool
    hunter: bool  # discount hunter: buys only during member campaigns
    joined_at: date
    target: float  # intended 12-month revenue before feedback effects
    store: Store  # home store
    handle: str  # social media handle
    feedback: list[tuple[date, str]] = field(default_factory=list)  # (date, theme key)
    last_contact: date | None = None  # the last day this customer wrote anything
    churned_at: date | None = None
    purchases: list[tuple[date, float]] = field(default_factory=list)


@dataclass(eq=False)
class Row:
    channel: str
    theme: str | None  # None: off-topic noise
    lang: str
    at: datetime
    customer: Customer | None = None
    store: Store | None = None
    text: str = ""
    rating: int | None = None
    nps: int | None = None
    order_ref: str | None = None
    handle: str | None = None
    language_given: bool = False
    has_pii: bool = False
    resubmitted: bool = False
    source_id: str = ""


# --- small helpers ---------------------------------------------------------------------------


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def in_campaign(d: date) -> bool:
    return any(start <= d < start + timedelta(days=n) for start, n in CAMPAIGNS)


def day_weight(theme: str | None, d: date) -> float:
    """The trend of a theme: the relative chance that its feedback is dated ``d``."""
    w = 1.0
    if theme == "app_login" and d >= APP_UPDATE:
        w *= 5.0
    for start, end, factor in DELIVERY_PEAKS:
        if theme in ("late_delivery", "lost_parcel") and start <= d <= end:
            w *= factor if theme == "late_delivery" else (1 + factor) / 2
    if theme in ("club_spam", "member_prices") and in_campaign(d):
        w *= 3.5 if theme == "club_spam" else 2.0
    if theme == "store_queues" and SPRING_SALE[0] <= d <= SPRING_SALE[1]:
        w *= 2.2
    if theme == "store_atmosphere" and d >= date(2026, 6, 30):
        w *= 1.4  # the summer collection
    if theme in ("store_queues", "store_atmosphere", "helpful_staff", "rude_staff"):
        w *= 1.5 if d.weekday() >= 5 else 1.0
    return w


def pick_store(rng: random.Random, country: str | None) -> Store:
    stores = [s for s in STORES if country is None or s.country == country]
    return rng.choices(stores, weights=[s.weight for s in stores])[0]


def order_number(rng: random.Random) -> str:
    return f"NH-{rng.randrange(1_000_000, 9_999_999)}"


def luhn_card(rng: random.Random) -> str:
    """A random 16-digit Visa-like number with a valid Luhn check digit."""
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if i % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    number = "".join(map(str, [*digits, (10 - total % 10) % 10]))
    return number if rng.random() < 0.3 else " ".join(number[i : i + 4] for i in range(0, 16, 4))


def fake_phone(rng: random.Random, country: str) -> str:
    d = "".join(str(rng.randrange(10)) for _ in range(7))
    if country == "SE":  # 070-123 45 67 or +46 70 123 45 67
        local = f"7{rng.choice('02369')}-{d[:3]} {d[3:5]} {d[5:]}"
        return "0" + local if rng.random() < 0.7 else "+46 " + local.replace("-", " ")
    if country == "NO":  # +47 912 34 567
        number = f"{rng.choice('49')}{d[:2]} {d[2:4]} {d[4:]}"
        return "+47 " + number if rng.random() < 0.6 else number
    number = f"{rng.choice('23456')}{d[0]} {d[1:3]} {d[3:5]} {d[5:]}"  # +45 20 12 34 56
    return "+45 " + number if rng.random() < 0.6 else number


def fake_email(rng: random.Random, lang: str) -> str:
    name = rng.choice(ph.FAKE_MAIL_NAMES[lang])
    suffix = str(rng.randrange(10, 99)) if rng.random() < 0.4 else ""
    return f"{name}{suffix}@{rng.choice(ph.FAKE_MAIL_DOMAINS)}"


def format_amount(value: int, lang: str) -> str:
    """1 299 kr (sv, no), 1.299 kr (da), 1,299 kr (en)."""
    separator = {"da": ".", "en": ","}.get(lang, " ")
    return f"{value:,} kr".replace(",", separator)


def make_handle(rng: random.Random) -> str:
    first, second = (rng.choice(words) for words in ph.HANDLE_WORDS)
    number = str(rng.randrange(1, 99)) if rng.random() < 0.6 else ""
    return f"@{first}{second}{number}"


def price(rng: random.Random, mean_amount: float) -> float:
    """A shelf-price-like amount around ``mean_amount`` (e.g. 349.00, 1299.00, 149.90)."""
    x = mean_amount * rng.lognormvariate(-0.18, 0.6)
    value = max(29, round(x / 10) * 10 - 1) if x < 200 else round(x / 50) * 50 - 1
    return value + 0.9 if value < 300 and rng.random() < 0.2 else float(value)


class Slots(dict[str, str]):
    """Template slot values for one text, drawn the first time each slot is used."""

    def __init__(self, rng: random.Random, lang: str, store: Store | None) -> None:
        super().__init__()
        self.rng, self.lang, self.store = rng, lang, store
        self.pairs: dict[str, tuple[str, str]] = {}

    def pair(self, kind: str) -> tuple[str, str]:
        """(definite, indefinite) of a product of ``kind``: product, furniture or item."""
        if kind not in self.pairs:
            bank = {"furniture": ph.FURNITURE[self.lang], "item": ph.ITEMS[self.lang]}
            self.pairs[kind] = self.rng.choice(bank.get(kind, bank["furniture"] + bank["item"]))
        return self.pairs[kind]

    def __missing__(self, key: str) -> str:
        rng, lang = self.rng, self.lang
        kind = key.removeprefix("a_")
        if kind in ("product", "furniture", "item"):
            value = self.pair(kind)[key.startswith("a_")]
        elif key == "city":
            store = self.store or pick_store(rng, LANG_COUNTRY.get(lang))
            value = store.city_en if lang == "en" else store.city
        elif key == "day":
            value = rng.choice(ph.WEEKDAYS[lang])
        elif key == "order":
            value = order_number(rng)
        elif key == "amount":
            value = format_amount(rng.choice(ph.PRICES), lang)
        elif key == "fee":
            value = str(rng.choice(ph.FEES))
        elif key in ("n", "w"):
            value = str(rng.randint(3, 12) if key == "n" else rng.randint(2, 6))
        else:
            raise KeyError(key)
        self[key] = value
        return value


def fill(template: str, slots: Slots) -> str:
    text = template.format_map(slots)
    return text[0].upper() + text[1:]


# --- customers -------------------------------------------------------------------------------


def make_customers(rng: random.Random, count: int = N_CUSTOMERS, first: int = 0) -> list[Customer]:
    """``count`` customers numbered from ``C-{10001 + first}``."""
    customers = []
    for i in range(first, first + count):
        country = rng.choices(["SE", "NO", "DK"], weights=[42, 31, 27])[0]
        lang = "en" if rng.random() < 0.19 else COUNTRY_LANG[country]
        segment = rng.choices(list(SEGMENTS), weights=[s[0] for s in SEGMENTS.values()])[0]
        is_member = rng.random() < (0.45 if segment == "business" else 0.56)
        hunter = is_member and segment in ("private", "student") and rng.random() < 0.22
        if hunter:
            target = 2200 * rng.lognormvariate(0, 0.35)
        else:
            target = 3000 * SEGMENTS[segment][1] * rng.lognormvariate(0, 0.95)
        tenure = min(int(rng.expovariate(1 / 1000)), 5200)  # days before the feedback starts
        joined = FEEDBACK_START - timedelta(days=1 + tenure)
        customers.append(
            Customer(
                customer_id=f"C-{10001 + i}",
                country=country,
                lang=lang,
                segment=segment,
                is_member=is_member,
                hunter=hunter,
                joined_at=joined,
                target=min(max(target, 250.0), 65_000.0),
                store=pick_store(rng, country),
                handle=make_handle(rng),
            )
        )
    return customers


def writer_weight(theme: str | None, c: Customer) -> float:
    """How likely customer ``c`` is to write about ``theme`` (who is affected by what)."""
    if theme is None:
        return 1.0
    if theme in ("club_spam", "member_prices") and not c.is_member:
        return 0.0
    w: float = (c.target / 3000) ** BY_KEY[theme].tilt
    if theme == "club_spam" and c.hunter:
        w *= 10
    if theme == "member_prices" and c.hunter:
        w *= 0.5
    if theme == "app_login":
        w *= {"student": 1.8, "business": 0.5}.get(c.segment, 1) * (1.5 if c.is_member else 1)
    if theme == "rude_staff" and c.segment == "business":
        w *= 1.5
    if theme in ("store_queues", "helpful_staff", "store_atmosphere") and c.segment == "family":
        w *= 1.4
    return w


# --- feedback --------------------------------------------------------------------------------


def make_rows(rng: random.Random) -> list[Row]:
    """Channel, theme, language and time of every row, in time order."""
    days = days_between(FEEDBACK_START, FEEDBACK_END)
    day_weights = {t: [day_weight(t, d) for d in days] for t in [None, *BY_KEY]}
    rows = []
    for index, channel in enumerate(CHANNELS):
        theme_weights = [t.share * t.channels[index] for t in THEMES]
        for _ in range(channel.count):
            theme = None
            if rng.random() >= channel.noise:
                theme = rng.choices(THEMES, weights=theme_weights)[0].key
            lang = rng.choices(ph.LANGS, weights=channel.langs)[0]
            day = rng.choices(days, weights=day_weights[theme])[0]
            clock = time(rng.choice(channel.hours), rng.randrange(60), rng.randrange(60))
            rows.append(Row(channel.name, theme, lang, datetime.combine(day, clock)))
    rows.sort(key=lambda r: (r.at, r.channel))
    return rows


def assign_customers(rng: random.Random, rows: list[Row], customers: list[Customer]) -> None:
    """Link ~85% of rows to customers.

    Half the time a customer who wrote about the same theme in the last 60 days writes again
    (a ticket, then the survey); customers rarely write about two different themes, so each
    theme's customers carry its planted effect.
    """
    pools: dict[str, list[Customer]] = defaultdict(list)  # by language, and by country
    for c in customers:
        pools[c.lang].append(c)
        pools[c.country].append(c)
    weights: dict[tuple[str, str | None], list[float]] = {}
    recent: dict[tuple[str, str | None], list[Customer]] = defaultdict(list)
    for row in rows:
        if rng.random() >= CHANNEL[row.channel].linked:
            continue
        # store staff write in their own language about any customer of that country
        pool = LANG_COUNTRY[row.lang] if row.channel == "retailer_note" else row.lang
        key = (pool, row.theme)
        followers = [
            c for c in recent[key] if c.feedback and (row.at.date() - c.feedback[-1][0]).days <= 60
        ]
        if followers and rng.random() < 0.5:
            customer = rng.choice(followers)
        else:
            if key not in weights:
                weights[key] = [writer_weight(row.theme, c) for c in pools[pool]]
            current = [
                w * (0.05 if row.theme and any(t != row.theme for _, t in c.feedback) else 1)
                for w, c in zip(weights[key], pools[pool], strict=True)
            ]
            customer = rng.choices(pools[pool], weights=current)[0]
        row.customer = customer
        customer.last_contact = row.at.date()
        if row.theme:
            customer.feedback.append((row.at.date(), row.theme))
        if customer not in recent[key]:
            recent[key].append(customer)


def place_rows(rng: random.Random, rows: list[Row]) -> None:
    """Stores, order numbers and handles; which rows state their language."""
    for row in rows:
        theme, c = BY_KEY.get(row.theme or ""), row.customer
        country = LANG_COUNTRY.get(row.lang)
        if row.channel == "retailer_note":
            home = c.store if c and c.store.country == country else None
            row.store = home or pick_store(rng, country)
        elif row.channel == "social":
            row.handle = c.handle if c else make_handle(rng)
        elif rng.random() < (theme.in_store if theme else 0.4):
            row.store = c.store if c else pick_store(rng, country)
        if theme and rng.random() < theme.order_ref * CHANNEL[row.channel].order_ref:
            row.order_ref = order_number(rng)
        row.language_given = rng.random() < 0.30


def score(rng: random.Random, sentiment: float, low: int, high: int) -> int:
    """A rating (1..5) or NPS (0..10) consistent with the sentiment, with some noise."""
    if rng.random() < 0.07:
        return rng.randint(low, high)
    mid, half = (low + high) / 2, (high - low) / 2
    return min(high, max(low, round(mid + half * sentiment + rng.gauss(0, half * 0.35))))


def roughen(rng: random.Random, text: str, channel: str, lang: str) -> str:
    """Typos, lower case, a dropped full stop, or a keyboard without å/ä/ö/ø/æ."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 5]
    if long_words and rng.random() < (0.12 if channel == "social" else 0.07):
        i = rng.choice(long_words)
        w, j = words[i], rng.randrange(1, len(words[i]) - 1)
        dropped, doubled = w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:]
        swapped = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
        words[i] = rng.choice([dropped, doubled, swapped])
    text = " ".join(words)
    if rng.random() < (0.3 if channel == "social" else 0.06):
        text = text.lower()
    if rng.random() < 0.15 and text.endswith("."):
        text = text[:-1]
    if lang != "en" and rng.random() < 0.03:
        text = text.translate(str.maketrans("åäöøæÅÄÖØÆ", "aaooeAAOOE"))
    return text


def staff_note(rng: random.Random, row: Row, slots: Slots) -> list[str]:
    """A store employee's note in the third person (or quoting the customer), what they did."""
    theme = BY_KEY[row.theme or ""]
    tone = "pos" if theme.sentiment > 0 else "neg"
    if rng.random() < 0.35:  # quoting the customer
        quote = fill(rng.choice(ph.THEME_TEXTS[theme.key][row.lang]), slots)
        parts = [rng.choice(ph.STAFF_QUOTE_FRAMES[row.lang]).format(q=quote)]
    else:
        frame = rng.choice(ph.STAFF_FRAMES["neu"][row.lang] + ph.STAFF_FRAMES[tone][row.lang])
        clause = rng.choice(ph.STAFF_CLAUSES[theme.key][row.lang]).format_map(slots)
        parts = [fill(frame.format(x=clause), slots)]
    if theme.key == "app_login" and row.at.date() >= APP_UPDATE and rng.random() < 0.5:
        parts.append(ph.STAFF_APP_UPDATE_NOTES[row.lang])
    if rng.random() < 0.55:
        parts.append(rng.choice(ph.STAFF_FOLLOWUPS[tone][row.lang]))
    return parts


def pii_sentence(rng: random.Random, row: Row) -> str:
    country = row.customer.country if row.customer else LANG_COUNTRY.get(row.lang, "SE")
    if row.channel == "retailer_note":
        bank = ph.STAFF_PII_SENTENCES[row.lang]
    elif row.theme in ("checkout_failure", "slow_refund") and rng.random() < 0.5:
        bank = ph.PII_CARD_SENTENCES[row.lang]
    else:
        bank = ph.PII_SENTENCES[row.lang]
    return rng.choice(bank).format(
        phone=fake_phone(rng, country), email=fake_email(rng, row.lang), card=luhn_card(rng)
    )


def render(rng: random.Random, row: Row) -> str:
    """The text of one row, shaped by its channel."""
    slots = Slots(rng, row.lang, row.store)
    lang, channel = row.lang, CHANNEL[row.channel]
    theme = BY_KEY.get(row.theme or "")
    tone = "neu"
    if theme and abs(theme.sentiment) >= 0.3:
        tone = "pos" if theme.sentiment > 0 else "neg"
    if theme is None:
        parts = [fill(rng.choice(ph.NOISE[lang]), slots)]
    elif channel.name == "retailer_note":
        parts = staff_note(rng, row, slots)
    else:
        templates = rng.sample(ph.THEME_TEXTS[theme.key][lang], 1 + (rng.random() < channel.second))
        parts = [fill(t, slots) for t in templates]
        if theme.key == "app_login" and row.at.date() >= APP_UPDATE and rng.random() < 0.5:
            parts.append(rng.choice(ph.APP_UPDATE_NOTES[lang]))
    if theme and channel.name == "ticket":
        if tone == "pos" and rng.random() < 0.5:
            parts.append(rng.choice(ph.TICKET_THANKS[lang]))
        elif tone == "neg" and rng.random() < 0.6:
            parts.append(rng.choice(ph.TICKET_ASKS[lang]))
    if theme and channel.name == "review" and rng.random() < 0.35:
        parts.append(rng.choice(ph.REVIEW_TAGS[tone][lang]))
    text = roughen(rng, " ".join(parts), channel.name, lang)
    if rng.random() < channel.pii:
        text = f"{text} {pii_sentence(rng, row)}"
        row.has_pii = True
    if theme and channel.name == "ticket":  # e-mail-like: greeting, sign-off on lines of their own
        if rng.random() < 0.75:
            text = f"{rng.choice(ph.OPENERS[lang])}\n{text}"
        if rng.random() < 0.65:
            text = f"{text}\n{rng.choice(ph.CLOSERS[lang])}"
    if channel.name == "social":
        if rng.random() < 0.3:
            text = f"@Nordhem {text}"
        if rng.random() < 0.25:
            text = f"{text} {rng.choice(ph.SOCIAL_EMOJI[tone])}"
        if rng.random() < 0.12:
            text = f"{text} #nordhem"
    elif "order" in slots:  # the order number in the text is the row's order_ref
        row.order_ref = slots["order"]
    return text


def write_texts(rng: random.Random, rows: list[Row]) -> None:
    """Texts, ratings and NPS; texts are unique (resubmissions come later)."""
    seen: set[str] = set()
    for row in rows:
        for _ in range(20):  # a short noise text ("ok") may still repeat now and then
            row.has_pii = False
            row.text = render(rng, row)
            if row.text not in seen:
                break
        seen.add(row.text)
        theme = BY_KEY.get(row.theme or "")
        sentiment = theme.sentiment if theme else 0.4
        if row.channel == "review" or (row.channel == "survey" and rng.random() < 0.4):
            row.rating = score(rng, sentiment, 1, 5)
        if row.channel == "survey" and rng.random() < 0.92:
            row.nps = score(rng, sentiment, 0, 10)


def add_resubmissions(rng: random.Random, rows: list[Row]) -> list[Row]:
    """~1% of rows are sent twice by the same customer; then number rows per channel in time."""
    candidates = [r for r in rows if r.theme and r.customer and r.channel != "retailer_note"]
    last_moment = datetime.combine(FEEDBACK_END, time(23, 59))
    copies = []
    for row in rng.sample(candidates, round(0.01 * len(rows))):
        at = min(row.at + timedelta(minutes=rng.randint(3, 1800)), last_moment)
        copies.append(Row(**{**row.__dict__, "at": at, "resubmitted": True}))
        if row.customer and row.customer.last_contact:
            row.customer.last_contact = max(row.customer.last_contact, at.date())
    rows = sorted(rows + copies, key=lambda r: (r.at, r.channel))
    counters: Counter[str] = Counter()
    for row in rows:
        counters[row.channel] += 1
        row.source_id = f"{CHANNEL[row.channel].prefix}-{counters[row.channel]:06d}"
    return rows


def spread_writers(rng: random.Random, rows: list[Row], customers: list[Customer]) -> None:
    """Most customers write once: move ``SPREAD`` of each customer's later items (with their
    resubmissions) to a customer of the same language and country who has not written,
    drawn like the theme's writers (``writer_weight``).

    Runs after the texts are written (so the texts do not depend on it), then rebuilds every
    customer's ``feedback`` and ``last_contact`` from the rows.
    """
    pools: dict[tuple[str, str], list[Customer]] = defaultdict(list)
    for c in customers:
        if c.last_contact is None:
            pools[(c.lang, c.country)].append(c)
    seen: set[str] = set()
    moved: dict[tuple[str, str], Customer] = {}  # (customer id, text) -> new customer
    for row in rows:  # in time order: a resubmission follows its original
        writer = row.customer
        if writer is None:
            continue
        pool = pools[(writer.lang, writer.country)]
        key = (writer.customer_id, row.text)
        if row.resubmitted and key in moved:
            row.customer = moved[key]
        elif writer.customer_id in seen and not row.resubmitted and rng.random() < SPREAD:
            weights = [writer_weight(row.theme, x) for x in pool]  # who is affected by what
            if sum(weights) > 0:
                new = rng.choices(pool, weights=weights)[0]
                pool.remove(new)
                row.customer = moved[key] = new
        seen.add(writer.customer_id)
        if row.handle is not None and row.customer is not writer:
            row.handle = moved[key].handle
    for c in customers:
        c.feedback, c.last_contact = [], None
    for row in rows:
        if row.customer:
            row.customer.last_contact = row.at.date()
            if row.theme:
                row.customer.feedback.append((row.at.date(), row.theme))


# --- outcomes --------------------------------------------------------------------------------


def plant_churn(rng: random.Random, customers: list[Customer]) -> None:
    """Churn each group at exactly its planted rate, so small themes still show their effect.

    A customer's group is the theme with the worst planted churn among the themes they wrote
    about (the best one when none is worse than the baseline), or the baseline. A writer's
    churn comes 2..80 days after their last feedback of any kind and, where their writing
    allows, within 88 days of their first feedback on the group's theme (inside the forward
    window of 90 days that starts there). A customer who never wrote leaves at a
    constant daily hazard from ``FEEDBACK_START`` (or 30 days after joining) until
    ``DATA_END``, set so that ``BASE_CHURN`` of those still active on any day churn within
    the next 90 days: the reference churn rate whatever reference day the analysis picks.
    """
    groups: dict[str, list[Customer]] = defaultdict(list)
    for c in customers:
        themes = sorted({t for _, t in c.feedback}, key=lambda t: (BY_KEY[t].churn, t))
        worse = [t for t in themes if BY_KEY[t].churn > BASE_CHURN]
        groups[worse[-1] if worse else themes[0] if themes else "baseline"].append(c)
    hazard = -math.log(1 - BASE_CHURN) / 90  # per day: BASE_CHURN within any 90 days
    for key, members in groups.items():
        rate = BY_KEY[key].churn if key in BY_KEY else BASE_CHURN
        quiet = [c for c in members if c.last_contact is None]
        for c in quiet:  # a customer who never wrote: constant hazard
            earliest = max(FEEDBACK_START, c.joined_at + timedelta(days=30))
            at = earliest + timedelta(days=int(rng.expovariate(hazard)))
            c.churned_at = at if at <= DATA_END else None
        writers = [c for c in members if c.last_contact is not None]
        for c in rng.sample(writers, round(rate * len(writers))):
            assert c.last_contact is not None
            # within 88 days of their first feedback on the theme where their writing allows
            first = min((d for d, t in c.feedback if t == key), default=c.last_contact)
            latest = min(80, max(2, (first - c.last_contact).days + 88))
            c.churned_at = c.last_contact + timedelta(days=rng.randint(2, latest))


def plant_purchases(rng: random.Random, customers: list[Customer]) -> None:
    """A purchase or not on each day: campaigns, hunters, feedback effects, none after churn."""
    for c in customers:
        per_year = min(max(2 + c.target / 1400, 2), 40)
        mean_amount = c.target / per_year
        firsts: dict[str, date] = {}
        for d, t in sorted(c.feedback):
            firsts.setdefault(t, d)
        start = max(PURCHASE_START, c.joined_at)
        end = c.churned_at - timedelta(days=1) if c.churned_at else DATA_END
        for d in days_between(start, end):
            campaign = in_campaign(d)
            if c.hunter:
                rate, amount = (0.3 if campaign else 0.0), 160.0
            else:
                rate = per_year / 365 * (1.6 if campaign and c.is_member else 1.0)
                amount = mean_amount
            for t, first in firsts.items():
                if first < d <= first + timedelta(days=90):
                    rate *= BY_KEY[t].after
            if rng.random() < min(rate, 0.9):
                c.purchases.append((d, price(rng, amount)))
        if not c.purchases:  # everyone in the file has bought something
            day = start + timedelta(days=rng.randrange((end - start).days + 1))
            c.purchases.append((day, price(rng, mean_amount)))


def revenue(c: Customer) -> float:
    """The customer's ``value``: purchases in the 12 months up to the end of the data."""
    return round(sum(a for d, a in c.purchases if d >= VALUE_START), 2)


# --- output ----------------------------------------------------------------------------------


def feedback_record(row: Row) -> dict[str, object]:
    return {
        "source_id": row.source_id,
        "channel": row.channel,
        "created_at": row.at.isoformat() + "Z",
        "customer_id": row.customer.customer_id if row.customer else None,
        "store_id": row.store.store_id if row.store else None,
        "language": row.lang if row.language_given else None,
        "rating": row.rating,
        "nps": row.nps,
        "text": row.text,
        "order_ref": row.order_ref,
    }


def customer_record(c: Customer) -> dict[str, object]:
    return {
        "customer_id": c.customer_id,
        "segment": c.segment,
        "is_member": "true" if c.is_member else "false",
        "joined_at": c.joined_at.isoformat(),
        "value": f"{revenue(c):.2f}",
        "churned_at": c.churned_at.isoformat() if c.churned_at else None,
    }


def truth_record(row: Row) -> dict[str, object]:
    return {
        "channel": row.channel,
        "source_id": row.source_id,
        "theme": row.theme,
        "category": CATEGORIES.get(row.theme or ""),
        "language": row.lang,
        "pii": str(row.has_pii).lower(),
        "resubmission": str(row.resubmitted).lower(),
    }


def write_csv(path: Path, records: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if v is None else v for k, v in record.items()})


def write_outputs(
    out: Path, rows: list[Row], customers: list[Customer], truth: Path | None
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "feedback.csv", [feedback_record(r) for r in rows if r.channel != "social"])
    with (out / "social.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
        for r in rows:
            if r.channel == "social":
                record = {**feedback_record(r), "handle": r.handle}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    write_csv(out / "customers.csv", [customer_record(c) for c in customers])
    purchases: list[dict[str, object]] = [
        {"customer_id": c.customer_id, "purchased_at": d.isoformat(), "amount": f"{a:.2f}"}
        for c in customers
        for d, a in c.purchases
    ]
    write_csv(out / "purchases.csv", purchases)
    if truth:
        write_csv(truth, [truth_record(r) for r in rows])


def summarize(rows: list[Row], customers: list[Customer]) -> None:
    """Print counts and the realised planted effects."""

    def pct(part: float, whole: float) -> str:
        return f"{100 * part / whole:5.1f}%" if whole else "   n/a"

    def churn(group: list[Customer]) -> str:
        return pct(sum(c.churned_at is not None for c in group), len(group))

    def bought90(c: Customer, start: date) -> int:
        return sum(start < d <= start + timedelta(days=90) for d, _ in c.purchases)

    n = len(rows)
    print(f"feedback rows: {n}")
    for name in ("channel", "lang"):
        counts = Counter(getattr(r, name) for r in rows).most_common()
        print(f"  by {name}: " + ", ".join(f"{k} {v} ({pct(v, n).strip()})" for k, v in counts))
    texts = Counter(r.text for r in rows)
    print(
        f"  language given {pct(sum(r.language_given for r in rows), n)}, "
        f"customer_id {pct(sum(r.customer is not None for r in rows), n)}, "
        f"PII {pct(sum(r.has_pii for r in rows), n)}, "
        f"noise {pct(sum(r.theme is None for r in rows), n)}, "
        f"resubmissions {sum(r.resubmitted for r in rows)}, "
        f"rows sharing their text {pct(sum(v for v in texts.values() if v > 1), n)}"
    )
    values = sorted(revenue(c) for c in customers)
    print(
        f"customers: {len(customers)}, members "
        f"{pct(sum(c.is_member for c in customers), len(customers))}, value median "
        f"{median(values):.0f} p90 {values[int(0.9 * len(values))]:.0f} max {values[-1]:.0f} "
        f"SEK; purchases {sum(len(c.purchases) for c in customers)}"
    )
    quiet = [c for c in customers if not c.feedback]
    firsts = sorted(min(d for d, _ in c.feedback) for c in customers if c.feedback)
    landmark = firsts[len(firsts) // 2]  # the analysis' reference day for never-writers
    active = [c for c in quiet if c.churned_at is None or c.churned_at > landmark]
    ahead = [c for c in active if c.churned_at and c.churned_at <= landmark + timedelta(days=90)]
    print(
        f"baseline, customers without themed feedback (n={len(quiet)}): churn {churn(quiet)} "
        f"by {DATA_END}; {pct(len(ahead), len(active)).strip()} of the {len(active)} active on "
        f"{landmark} (the writers' median first day) churn within 90 days"
    )
    print(
        "per theme: churn of its customers vs everyone else; buy90 = share with a purchase "
        "in the 90 days after their first feedback on it (others: after their first feedback, "
        "or 2026-04-29); n90 = mean purchases in those 90 days; value = median"
    )
    print(
        f"{'theme':18} {'rows':>5} {'cust':>5} {'planted':>7} {'churn':>7} {'others':>7} "
        f"{'buy90':>7} {'others':>7} {'n90':>5} {'value':>7}"
    )
    first_any = {c: min((d for d, _ in c.feedback), default=date(2026, 4, 29)) for c in customers}
    for theme in THEMES:
        inside = [c for c in customers if any(t == theme.key for _, t in c.feedback)]
        outside = [c for c in customers if c not in inside]
        after_in = [bought90(c, min(d for d, t in c.feedback if t == theme.key)) for c in inside]
        after_out = [bought90(c, first_any[c]) for c in outside]
        print(
            f"{theme.key:18} {sum(r.theme == theme.key for r in rows):5} {len(inside):5} "
            f"{pct(theme.churn, 1)} {churn(inside)} {churn(outside)} "
            f"{pct(sum(b > 0 for b in after_in), len(inside))} "
            f"{pct(sum(b > 0 for b in after_out), len(outside))} "
            f"{mean(after_in):5.2f} {median(revenue(c) for c in inside):7.0f}"
        )
    spam = [c for c in customers if any(t == "club_spam" for _, t in c.feedback)]
    for label, group in [("club_spam writers", spam), ("no themed feedback", quiet)]:
        bought = [p for c in group for p in c.purchases]
        print(
            f"{label}: {len(bought) / len(group):.1f} purchases each, "
            f"{pct(sum(in_campaign(d) for d, _ in bought), len(bought)).strip()} in campaign "
            f"weeks, mean amount {mean(a for _, a in bought):.0f} SEK, members "
            f"{pct(sum(c.is_member for c in group), len(group)).strip()}"
        )
    windows = [
        ("app_login", APP_UPDATE + timedelta(days=2), FEEDBACK_END),
        ("late_delivery", *DELIVERY_PEAKS[0][:2]),
    ]
    for key, first, last in windows:
        dated = [r.at.date() for r in rows if r.theme == key]
        share = sum(first <= d <= last for d in dated) / len(dated)
        span = ((last - first).days + 1) / ((FEEDBACK_END - FEEDBACK_START).days + 1)
        print(
            f"{key}: {100 * share:.0f}% of its rows in {first}..{last} ({100 * span:.0f}% of days)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the Nordhem demo data set.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("data/sample"))
    parser.add_argument("--truth", type=Path, help="also write each row's true theme here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    customers = make_customers(rng)
    rows = make_rows(rng)
    assign_customers(rng, rows, customers)
    place_rows(rng, rows)
    write_texts(rng, rows)
    rows = add_resubmissions(rng, rows)
    customers += make_customers(random.Random(args.seed + 1), N_SILENT, N_CUSTOMERS)
    spread_writers(random.Random(args.seed + 2), rows, customers)
    plant_churn(rng, customers)
    plant_purchases(rng, customers)
    write_outputs(args.out, rows, customers, args.truth)
    summarize(rows, customers)


if __name__ == "__main__":
    main()
