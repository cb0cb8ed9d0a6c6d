"""Generated, realistic and pairwise distinct contacts (Polish, Chinese, English)."""

from __future__ import annotations

import random

from cms_dav.contacts.normalize import fold
from cms_dav.io.contact_record import ContactRecord

POLISH_MEN = ["Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin",
              "Łukasz", "Grzegorz", "Jakub", "Mateusz", "Wojciech", "Kamil", "Rafał", "Sebastian"]
POLISH_WOMEN = ["Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa",
                "Magdalena", "Joanna", "Zofia", "Aleksandra", "Natalia", "Karolina", "Żaneta"]
POLISH_FAMILY = [("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"),
                 ("Wójcik", "Wójcik"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"),
                 ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"),
                 ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"),
                 ("Mazur", "Mazur"), ("Krawczyk", "Krawczyk"), ("Piotrowski", "Piotrowska"),
                 ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska")]
CHINESE_FAMILY = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
                  "马", "朱"]
CHINESE_GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
                 "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华",
                 "志强", "晓明"]
ENGLISH_GIVEN = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
                 "William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph",
                 "Jessica",
                 "Thomas", "Sarah", "Charles", "Karen", "Mark", "Nancy", "Daniel", "Lisa"]
ENGLISH_FAMILY = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
                  "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "White",
                  "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright"]
ORGS = ["Acme Sp. z o.o.", "Orlen S.A.", "Globex Inc.", "Initech", "华为技术有限公司", "阿里巴巴",
        "Comarch", "Allegro", "Umbrella Ltd", "Stark Industries", "腾讯", "Cyberdyne", "", ""]
CATEGORIES = ["Klienci", "Dostawcy", "客户", "Friends", "VIP"]


def _name(rng: random.Random) -> tuple[str, str, str]:
    """(given, family, fn)."""
    kind = rng.choice(("pl", "zh", "en"))
    if kind == "pl":
        female = rng.random() < 0.5
        given = rng.choice(POLISH_WOMEN if female else POLISH_MEN)
        family = rng.choice(POLISH_FAMILY)[1 if female else 0]
        return given, family, f"{given} {family}"
    if kind == "zh":
        family, given = rng.choice(CHINESE_FAMILY), rng.choice(CHINESE_GIVEN)
        return given, family, family + given
    given, family = rng.choice(ENGLISH_GIVEN), rng.choice(ENGLISH_FAMILY)
    return given, family, f"{given} {family}"


def generate_people(count: int, seed: int = 7) -> list[ContactRecord]:
    """``count`` contacts with distinct names, e-mails and phones."""
    rng = random.Random(seed)
    seen: set[str] = set()
    people: list[ContactRecord] = []
    while len(people) < count:
        given, family, fn = _name(rng)
        if fn in seen:
            continue
        seen.add(fn)
        n = len(people)
        local = "".join(c for c in fold(f"{given}.{family}")
                        if c.isascii() and (c.isalnum() or c == ".")) or "user"
        people.append(ContactRecord(
            fn=fn, given=given, family=family, org=rng.choice(ORGS),
            emails=[("work", f"{local}.{n}@example.com")],
            phones=[("cell", f"+48 6{n // 10000 % 10}{n // 1000 % 10} {n % 1000:03d} "
                             f"{rng.randrange(1000):03d}")],
            categories=rng.sample(CATEGORIES, rng.randrange(3)),
            note=rng.choice(["", "Poznany na targach", "喜欢喝茶", "Prefers e-mail"]),
        ))
    return people
