"""Patient names in several scripts, drawn with the frequencies a mixed city clinic has.

Common names repeat (many "María García"s), as they do in a real clinic: that is what
makes a one-letter search return thousands of matches, the case worth measuring.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tpchart.core.patient import Sex


@dataclass(frozen=True)
class Script:
    """Given and family names of one writing system; ``joined`` for names written
    without a space (Chinese), family name first."""

    name: str
    share: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    joined: bool = False


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SCRIPTS = (
    Script(
        "Latin (accented)",
        0.50,
        _words(
            "María José Zoë Chloé Inês Ana Łucja Zofia Anne-Marie Hélène Renée Björk Åsa Ingrid "
            "Sofía Lucía Małgorzata Dorotea Eléonore Márta Noémie Agnès Françoise Jana Ewa Laura "
            "Marta Paula Sara Elena"
        ),
        _words(
            "José Ángel François Jürgen Łukasz Søren Thomas Kwame Ahmed Olav Raphaël Joaquín "
            "Tomás Jérôme Nikolaï Dvořák Miloš Stéphane Björn Ørjan Andrés Martín Jesús Óscar "
            "Iñaki Luis Paweł Piotr Jan David"
        ),
        _words(
            "García Fernández López Martínez Sánchez Pérez González Rodríguez Gómez Díaz Müller "
            "Schröder Weiß Köhler Dvořák Wójcik Kowalczyk Håkonsen Øvergård Gonçalves Nuñez "
            "O'Brien Kovačević Lefèvre Béranger Jiménez Ibáñez Muñoz Šimková Łukasiewicz Brontë "
            "Doležal Ströbel Åkesson Lindqvist Mensah Hassan Rossi Ferrari Esposito"
        ),
    ),
    Script(
        "Cyrillic",
        0.15,
        _words("Ирина Наталья Ольга Елена Татьяна Светлана Анна Мария Юлия Екатерина Ксения"),
        _words("Алексей Дмитрий Сергей Андрей Иван Михаил Николай Владимир Олег Юрий Павел"),
        _words(
            "Петрова Иванова Смирнова Кузнецова Попова Соколова Лебедева Козлова Новикова "
            "Морозова Волкова Федорова Михайлова Беляева Тарасова Белова Комарова Орлова"
        ),
    ),
    Script(
        "Greek",
        0.10,
        _words("Μαρία Ελένη Κατερίνα Βασιλική Σοφία Αγγελική Γεωργία Δήμητρα Ευαγγελία Ιωάννα"),
        _words("Γιώργος Νίκος Δημήτρης Κώστας Γιάννης Παναγιώτης Βασίλης Χρήστος Θανάσης Μιχάλης"),
        _words(
            "Παπαδοπούλου Οικονόμου Γεωργίου Νικολάου Βασιλείου Ιωάννου Παπαδάκη Αθανασίου "
            "Καραγιάννη Μακρή Δημητρίου Κωνσταντίνου Αλεξίου Πετρίδη Χριστοδούλου"
        ),
    ),
    Script(
        "Chinese",
        0.15,
        _words("娜 芳 秀英 敏 静 丽 婷 雪 慧 玲 晓燕 佳怡"),
        _words("小明 伟 强 磊 军 洋 勇 杰 涛 明 浩然 子轩"),
        _words("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高"),
        joined=True,
    ),
    Script(
        "Arabic",
        0.10,
        _words("فاطمة عائشة مريم زينب خديجة نور سارة ليلى هدى سلمى"),
        _words("محمد أحمد علي حسن عمر يوسف خالد إبراهيم مصطفى طارق"),
        _words("الحسن حداد الخطيب منصور سليمان النجار العلي الشامي الحلبي عبدالله يوسف"),
    ),
)

_CUMULATIVE = [sum(s.share for s in SCRIPTS[: i + 1]) for i in range(len(SCRIPTS))]


def random_name(rng: random.Random) -> tuple[str, Sex]:
    """One full name and the sex it goes with; Western names sometimes double-barrelled."""
    script = SCRIPTS[_pick(rng.random())]
    sex = Sex.FEMALE if rng.random() < 0.55 else Sex.MALE
    given = rng.choice(script.female if sex is Sex.FEMALE else script.male)
    family = rng.choice(script.family)
    if script.joined:
        return family + given, sex
    if script.name.startswith("Latin") and rng.random() < 0.2:
        family = f"{family} {rng.choice(script.family)}"
    return f"{given} {family}", sex


def sample_names() -> list[str]:
    """One full name per script, for typing into the search box letter by letter."""
    names = []
    for script in SCRIPTS:
        given, family = script.female[0], script.family[1]
        names.append(family + given if script.joined else f"{given} {family}")
    return names


def _pick(draw: float) -> int:
    for index, edge in enumerate(_CUMULATIVE):
        if draw < edge:
            return index
    return len(SCRIPTS) - 1
