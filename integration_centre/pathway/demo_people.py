"""Synthetic people for the demo: names by nationality, Belgian addresses, valid national numbers.

Nothing here names a real person: names are common ones of each country, combined at random;
national register numbers are computed (valid check digits) from the synthetic birth date and
a serial number; addresses are streets of the person's commune with a random house number.
"""

from __future__ import annotations

import random
from datetime import date

# Family names, women's and men's given names that are common in each demo nationality.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "SY": (
        ("Al-Hassan", "Haddad", "Khalil", "Darwish", "Mansour", "Nasser", "Al-Ahmad", "Hamdan", "Sabbagh"),
        ("Rania", "Lina", "Nour", "Hiba", "Rasha", "Yara", "Ghada", "Amal"),
        ("Ahmad", "Omar", "Khaled", "Mahmoud", "Yousef", "Samer", "Bassel", "Rami"),
    ),
    "AF": (
        ("Ahmadi", "Hakimi", "Rahimi", "Sultani", "Karimi", "Noori", "Popal", "Hashimi", "Safi"),
        ("Zahra", "Maryam", "Fatema", "Shabnam", "Parwana", "Roya", "Marzia", "Nilofar"),
        ("Mohammad", "Ali", "Hamid", "Farhad", "Jawad", "Naweed", "Sayed", "Ahmad Shah"),
    ),
    "MA": (
        ("El Idrissi", "Bennani", "Bouzid", "El Amrani", "Ouali", "Tahiri", "Chaoui", "Benjelloun", "Ait Ahmed"),
        ("Fatima", "Khadija", "Samira", "Imane", "Nadia", "Salma", "Hajar", "Loubna"),
        ("Mohamed", "Youssef", "Rachid", "Karim", "Hicham", "Said", "Mehdi", "Anouar"),
    ),
    "CD": (
        ("Mukendi", "Kabeya", "Tshibanda", "Ilunga", "Mbuyi", "Kalala", "Nsimba", "Lukusa", "Kasongo"),
        ("Grâce", "Esther", "Merveille", "Divine", "Ruth", "Nathalie", "Chantal", "Dorcas"),
        ("Patrick", "Jean-Claude", "Christian", "Glody", "Serge", "Fiston", "Trésor", "Héritier"),
    ),
    "GN": (
        ("Diallo", "Barry", "Bah", "Sow", "Camara", "Condé", "Soumah", "Baldé", "Keïta"),
        ("Mariama", "Aïssatou", "Fatoumata", "Kadiatou", "Hawa", "Mariame", "Djenabou", "Oumou"),
        ("Mamadou", "Alpha", "Ibrahima", "Ousmane", "Thierno", "Amadou", "Sékou", "Abdoulaye"),
    ),
    "ER": (
        ("Tesfay", "Ghebremedhin", "Habte", "Kidane", "Tekle", "Berhane", "Woldu", "Gebreyesus"),
        ("Selam", "Helen", "Senait", "Yohana", "Luwam", "Saba", "Winta", "Feven"),
        ("Yonas", "Daniel", "Filmon", "Merhawi", "Samuel", "Robel", "Aron", "Dawit"),
    ),
    "CM": (
        ("Nguemo", "Tchoupo", "Mbarga", "Fotso", "Njoya", "Ekotto", "Kamdem", "Tchakounte"),
        ("Brenda", "Larissa", "Christelle", "Nadège", "Carine", "Vanessa", "Sandrine"),
        ("Boris", "Franck", "Hervé", "Arnaud", "Landry", "Steve", "Cédric"),
    ),
    "IQ": (
        ("Al-Jubouri", "Hussein", "Kareem", "Al-Saadi", "Abbas", "Rashid", "Al-Obaidi", "Jassim"),
        ("Zainab", "Noor", "Ruqaya", "Sara", "Hawraa", "Maryam", "Shahad"),
        ("Ali", "Hassan", "Mustafa", "Haider", "Ahmed", "Karrar", "Abbas"),
    ),
    "PS": (
        ("Qasem", "Barghouti", "Shaheen", "Odeh", "Abu Ali", "Hamdan", "Saleh", "Najjar"),
        ("Lama", "Dima", "Reem", "Aya", "Hanan", "Dalia", "Rawan"),
        ("Mohammed", "Tariq", "Sami", "Ibrahim", "Yazan", "Osama", "Nidal"),
    ),
    "SO": (
        ("Abdi", "Warsame", "Farah", "Hassan", "Yusuf", "Osman", "Jama", "Nur"),
        ("Hodan", "Ayaan", "Sahra", "Fadumo", "Hibo", "Ifrah", "Nasra"),
        ("Abdirahman", "Mahad", "Abdullahi", "Guled", "Liban", "Abdikarim", "Hamza"),
    ),
    "BR": (
        ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Ferreira", "Almeida", "Rodrigues"),
        ("Ana Paula", "Juliana", "Fernanda", "Camila", "Larissa", "Beatriz", "Mariana"),
        ("João", "Lucas", "Rafael", "Thiago", "Gustavo", "Felipe", "Bruno"),
    ),
    "UA": (
        ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk", "Kravchenko", "Moroz", "Boiko"),
        ("Olena", "Iryna", "Oksana", "Tetiana", "Kateryna", "Nataliia", "Yuliia", "Svitlana"),
        ("Oleksandr", "Andrii", "Dmytro", "Serhii", "Mykola", "Volodymyr", "Ihor", "Vasyl"),
    ),
    "TR": (
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan", "Doğan"),
        ("Elif", "Zeynep", "Ayşe", "Merve", "Emine", "Büşra", "Hatice"),
        ("Mehmet", "Mustafa", "Emre", "Burak", "Hüseyin", "Murat", "Kemal"),
    ),
}

# Streets of the demo communes (province of Namur, the demo office's territory), by NIS code.
STREETS: dict[str, tuple[str, ...]] = {
    "92094": (  # Namur (with Jambes, Salzinnes, Saint-Servais)
        "Rue de Fer",
        "Rue de l'Ange",
        "Rue des Carmes",
        "Rue Saint-Nicolas",
        "Rue de Bruxelles",
        "Rue Rogier",
        "Rue Godefroid",
        "Rue Lelièvre",
        "Rue Patenier",
        "Rue Julie Billiart",
        "Avenue de la Plante",
        "Avenue Cardinal Mercier",
        "Boulevard du Nord",
        "Chaussée de Louvain",
        "Chaussée de Waterloo",
        "Chaussée de Dinant",
        "Avenue Jean Materne",
        "Avenue Prince de Liège",
        "Rue de Dave",
        "Chaussée de Liège",
    ),
    "92003": (  # Andenne
        "Rue Brun",
        "Place du Chapitre",
        "Avenue Roi Albert",
        "Promenade des Ours",
        "Rue de la Papeterie",
        "Rue Bertrand",
    ),
    "92142": (  # Gembloux
        "Grand-Rue",
        "Rue Docq",
        "Passage des Déportés",
        "Avenue de la Faculté d'Agronomie",
        "Chaussée de Charleroi",
        "Rue du Moulin",
    ),
    "92137": (  # Sambreville (Auvelais, Tamines)
        "Rue de la Station",
        "Grand-Place",
        "Rue du Pont",
        "Rue de la Sambre",
        "Rue Hicguet",
    ),
    "91034": (  # Dinant
        "Rue Grande",
        "Rue Adolphe Sax",
        "Place Reine Astrid",
        "Rue Saint-Jacques",
        "Avenue Winston Churchill",
    ),
    "91030": (  # Ciney
        "Rue du Centre",
        "Place Monseu",
        "Rue Piervenne",
        "Rue Édouard Dinot",
        "Rue de la Station",
    ),
    "92140": (  # Jemeppe-sur-Sambre
        "Rue de la Gare",
        "Place de l'Église",
        "Rue Hittelet",
        "Route de Saussin",
    ),
}
# Where the demo persons live: mostly in Namur, where the demo office is.
COMMUNE_WEIGHTS: dict[str, int] = {
    "92094": 12,
    "92003": 2,
    "92142": 2,
    "92137": 2,
    "91034": 1,
    "91030": 1,
    "92140": 1,
}
# Postcodes of the demo communes (the main one of each).
POSTCODES: dict[str, str] = {
    "92094": "5000",
    "92003": "5300",
    "92142": "5030",
    "92137": "5060",
    "91034": "5500",
    "91030": "5590",
    "92140": "5190",
}


def national_number(born: date, serial: int, *, bis: bool = False, sex_known: bool = True) -> str:
    """A national register number (or a bis number: month + 40, or + 20 when the sex is unknown)
    with valid check digits; ``serial`` 1–998 (odd for men, even for women)."""
    if not 1 <= serial <= 998:
        raise ValueError("the serial number is 1 to 998")
    month = born.month + ((40 if sex_known else 20) if bis else 0)
    base = f"{born:%y}{month:02d}{born:%d}{serial:03d}"
    checked = int(("2" if born.year >= 2000 else "") + base)
    return f"{base}{97 - checked % 97:02d}"


def serial_for(index: int, sex: str) -> int:
    """A distinct serial per demo person (odd for men, even for women)."""
    return 2 * (index % 499) + (1 if sex == "M" else 2)


def address(rng: random.Random, municipality, *, number: int) -> str:
    """A street of the municipality (``reference.Municipality``), the house number, postcode and name."""
    street = rng.choice(STREETS[municipality.nis_code])
    return f"{street} {number}, {POSTCODES[municipality.nis_code]} {municipality.name_fr}"


def commune(rng: random.Random) -> str:
    """The NIS code of a demo commune, weighted towards Namur."""
    codes = sorted(COMMUNE_WEIGHTS)
    return rng.choices(codes, weights=[COMMUNE_WEIGHTS[c] for c in codes])[0]


def name(rng: random.Random, nationality: str, sex: str) -> tuple[str, str]:
    """A family name and given name usual for ``nationality`` (any list when unknown)."""
    families, women, men = NAMES.get(nationality) or NAMES[sorted(NAMES)[0]]
    return rng.choice(families), rng.choice(women if sex == "F" else men)


def all_family_names() -> list[str]:
    """Every family name of the lists (for benchmarks that need many distinct names)."""
    return sorted({family for families, _, _ in NAMES.values() for family in families})


def all_given_names() -> list[str]:
    """Every given name of the lists."""
    return sorted({given for _, women, men in NAMES.values() for given in (*women, *men)})
