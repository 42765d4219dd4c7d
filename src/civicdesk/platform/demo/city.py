"""The demo city: Pickering, Ontario, with believable departments, services and staff in every role.

Loading is idempotent: every row is found by its natural key and updated, so
running `civicdesk demo` twice never duplicates anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from civicdesk.domain.city.models import Department, Division, Jurisdiction, Service
from civicdesk.domain.staff.models import User
from civicdesk.domain.staff.roles import Role, sync_roles

DEMO_PASSWORD = "civicdesk-demo"  # noqa: S105 — printed to the operator; demo data only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role_label: str


# department code -> (name, director username, mailbox, divisions: code -> (name, supervisor username))
DEPARTMENTS: dict[str, tuple[str, str, str, dict[str, tuple[str, str]]]] = {
    "customer-care": (
        "Customer Care",
        "dir.care",
        "customercare@pickering.example",
        {"care-centre": ("Customer Care Centre", "sup.care")},
    ),
    "roads": (
        "Roads & Transportation",
        "dir.roads",
        "roads@pickering.example",
        {
            "road-maintenance": ("Road Maintenance", "sup.roads"),
            "traffic": ("Traffic Operations", "sup.traffic"),
        },
    ),
    "forestry": (
        "Forestry",
        "dir.operations",
        "forestry@pickering.example",
        {"urban-forestry": ("Urban Forestry", "sup.forestry")},
    ),
    "bylaw": (
        "By-law Enforcement",
        "dir.bylaw",
        "bylaw@pickering.example",
        {"municipal-law": ("Municipal Law Enforcement", "sup.bylaw")},
    ),
    "waste": (
        "Waste Management",
        "dir.operations",
        "waste@pickering.example",
        {"collection": ("Collection Services", "sup.waste")},
    ),
    "parks": (
        "Parks & Facilities",
        "dir.operations",
        "parks@pickering.example",
        {
            "parks-operations": ("Parks Operations", "sup.parks"),
            "facilities": ("Facilities Maintenance", "sup.facilities"),
        },
    ),
    "water": (
        "Water & Stormwater",
        "dir.engineering",
        "water@pickering.example",
        {"stormwater": ("Water & Stormwater Operations", "sup.water")},
    ),
}

# service code -> (name, category, department, division, hazard, description)
SERVICES: dict[str, tuple[str, str, str, str, bool, str]] = {
    "POTHOLE": ("Pothole", "Roads", "roads", "road-maintenance", True, "A pothole on a road or in a city parking lot."),
    "SIDEWALK": (
        "Sidewalk trip hazard",
        "Roads",
        "roads",
        "road-maintenance",
        True,
        "A raised, broken or missing sidewalk slab.",
    ),
    "SIGN": (
        "Damaged or missing road sign",
        "Roads",
        "roads",
        "traffic",
        True,
        "A stop sign, street name sign or other traffic sign that is down, damaged or missing.",
    ),
    "STREETLIGHT": (
        "Streetlight out",
        "Roads",
        "roads",
        "traffic",
        False,
        "A streetlight that is out, flickering or on during the day.",
    ),
    "SNOW": (
        "Missed snow clearing",
        "Roads",
        "roads",
        "road-maintenance",
        False,
        "A road or sidewalk missed by the snow plough.",
    ),
    "TREE-PRUNE": (
        "Tree pruning",
        "Trees",
        "forestry",
        "urban-forestry",
        False,
        "Pruning of a city tree on the road allowance or in a park.",
    ),
    "TREE-DOWN": (
        "Fallen tree or limb",
        "Trees",
        "forestry",
        "urban-forestry",
        True,
        "A city tree or large limb down on a road, sidewalk or property.",
    ),
    "TREE-PLANT": (
        "Street tree planting",
        "Trees",
        "forestry",
        "urban-forestry",
        False,
        "A request for a new tree on the city boulevard.",
    ),
    "NOISE": ("Noise", "By-law", "bylaw", "municipal-law", False, "Noise that breaks the noise by-law."),
    "PARKING": (
        "Parking",
        "By-law",
        "bylaw",
        "municipal-law",
        False,
        "A vehicle parked illegally or for longer than allowed.",
    ),
    "PROPERTY": (
        "Property standards",
        "By-law",
        "bylaw",
        "municipal-law",
        False,
        "Long grass, debris or an unsafe building on private property.",
    ),
    "ANIMAL": ("Animal services", "By-law", "bylaw", "municipal-law", False, "A stray, injured or dangerous animal."),
    "MISSED-COLLECTION": (
        "Missed garbage or recycling collection",
        "Waste",
        "waste",
        "collection",
        False,
        "Garbage, green bin or recycling not collected on the scheduled day.",
    ),
    "BULK": (
        "Bulk item pick-up",
        "Waste",
        "waste",
        "collection",
        False,
        "Collection of furniture, appliances or other large items.",
    ),
    "DUMPING": ("Illegal dumping", "Waste", "waste", "collection", False, "Waste dumped on city property."),
    "PARK": (
        "Park maintenance",
        "Parks & facilities",
        "parks",
        "parks-operations",
        False,
        "Grass cutting, litter or damage in a city park.",
    ),
    "PLAYGROUND": (
        "Playground equipment damage",
        "Parks & facilities",
        "parks",
        "parks-operations",
        True,
        "Broken or unsafe play equipment.",
    ),
    "GRAFFITI": (
        "Graffiti on city property",
        "Parks & facilities",
        "parks",
        "parks-operations",
        False,
        "Graffiti on a city building, sign or park structure.",
    ),
    "FACILITY": (
        "Community facility problem",
        "Parks & facilities",
        "parks",
        "facilities",
        False,
        "A problem at a community centre, arena, pool or library building.",
    ),
    "WATER-MAIN": (
        "Water main break",
        "Water",
        "water",
        "stormwater",
        True,
        "Water coming up through the road or ground.",
    ),
    "FLOODING": (
        "Blocked catch basin or flooding",
        "Water",
        "water",
        "stormwater",
        True,
        "A blocked catch basin or water pooling on a road.",
    ),
    "DITCH": (
        "Ditch or culvert maintenance",
        "Water",
        "water",
        "stormwater",
        False,
        "A ditch or culvert that is blocked or eroding.",
    ),
    "GENERAL": (
        "General question, compliment or suggestion",
        "General",
        "customer-care",
        "care-centre",
        False,
        "Anything else: Customer Care will route it.",
    ),
}

# service code -> its name in French and Spanish, as residents read it in their language
SERVICE_NAMES: dict[str, dict[str, str]] = {
    "POTHOLE": {"fr": "Nid-de-poule", "es": "Bache"},
    "SIDEWALK": {"fr": "Trottoir dangereux", "es": "Acera con riesgo de tropiezo"},
    "SIGN": {"fr": "Panneau de signalisation endommagé ou manquant", "es": "Señal de tráfico dañada o ausente"},
    "STREETLIGHT": {"fr": "Lampadaire éteint", "es": "Farola apagada"},
    "SNOW": {"fr": "Déneigement oublié", "es": "Retirada de nieve no realizada"},
    "TREE-PRUNE": {"fr": "Élagage d'arbre", "es": "Poda de árbol"},
    "TREE-DOWN": {"fr": "Arbre ou branche tombé", "es": "Árbol o rama caída"},
    "TREE-PLANT": {"fr": "Plantation d'arbre de rue", "es": "Plantación de árbol en la calle"},
    "NOISE": {"fr": "Bruit", "es": "Ruido"},
    "PARKING": {"fr": "Stationnement", "es": "Estacionamiento"},
    "PROPERTY": {"fr": "Normes d'entretien des propriétés", "es": "Normas de mantenimiento de propiedades"},
    "ANIMAL": {"fr": "Services aux animaux", "es": "Servicios de animales"},
    "MISSED-COLLECTION": {
        "fr": "Collecte des ordures ou du recyclage oubliée",
        "es": "Recogida de basura o reciclaje no realizada",
    },
    "BULK": {"fr": "Collecte d'objets encombrants", "es": "Recogida de objetos voluminosos"},
    "DUMPING": {"fr": "Dépôt sauvage", "es": "Vertido ilegal"},
    "PARK": {"fr": "Entretien des parcs", "es": "Mantenimiento de parques"},
    "PLAYGROUND": {"fr": "Module de jeux endommagé", "es": "Juegos infantiles dañados"},
    "GRAFFITI": {"fr": "Graffiti sur une propriété municipale", "es": "Grafiti en propiedad municipal"},
    "FACILITY": {"fr": "Problème dans une installation communautaire", "es": "Problema en una instalación comunitaria"},
    "WATER-MAIN": {"fr": "Bris de conduite d'eau", "es": "Rotura de tubería de agua"},
    "FLOODING": {"fr": "Puisard bouché ou inondation", "es": "Sumidero obstruido o inundación"},
    "DITCH": {"fr": "Entretien de fossé ou de ponceau", "es": "Mantenimiento de zanja o alcantarilla"},
    "GENERAL": {
        "fr": "Question générale, compliment ou suggestion",
        "es": "Pregunta general, felicitación o sugerencia",
    },
}

# Reports that accuse someone of breaking a by-law: anonymous ones are recorded, not investigated (PK-ANON).
ALLEGATIONS = frozenset({"NOISE", "PARKING", "PROPERTY"})

# username -> (first name, last name, role, department code)
STAFF: dict[str, tuple[str, str, Role, str | None]] = {
    "csr.alex": ("Alex", "Martin", Role.CSR, "customer-care"),
    "csr.sam": ("Sam", "Tremblay", Role.CSR, "customer-care"),
    "care.admin": ("Morgan", "Singh", Role.CARE_ADMIN, "customer-care"),
    "staff.roads": ("Jordan", "Lee", Role.DEPARTMENT_STAFF, "roads"),
    "staff.forestry": ("Riley", "Brown", Role.DEPARTMENT_STAFF, "forestry"),
    "staff.bylaw": ("Taylor", "Wilson", Role.DEPARTMENT_STAFF, "bylaw"),
    "staff.waste": ("Casey", "Nguyen", Role.DEPARTMENT_STAFF, "waste"),
    "staff.parks": ("Jamie", "Roy", Role.DEPARTMENT_STAFF, "parks"),
    "staff.water": ("Avery", "Gagnon", Role.DEPARTMENT_STAFF, "water"),
    "sup.care": ("Dana", "Clarke", Role.SUPERVISOR, "customer-care"),
    "sup.roads": ("Chris", "Patel", Role.SUPERVISOR, "roads"),
    "sup.traffic": ("Robin", "Kaur", Role.SUPERVISOR, "roads"),
    "sup.forestry": ("Pat", "Campbell", Role.SUPERVISOR, "forestry"),
    "sup.bylaw": ("Drew", "Anderson", Role.SUPERVISOR, "bylaw"),
    "sup.waste": ("Quinn", "Murphy", Role.SUPERVISOR, "waste"),
    "sup.parks": ("Kendall", "Scott", Role.SUPERVISOR, "parks"),
    "sup.facilities": ("Hayden", "Ali", Role.SUPERVISOR, "parks"),
    "sup.water": ("Rowan", "Fraser", Role.SUPERVISOR, "water"),
    "dir.care": ("Leslie", "Bouchard", Role.DIRECTOR, "customer-care"),
    "dir.roads": ("Terry", "MacDonald", Role.DIRECTOR, "roads"),
    "dir.operations": ("Cameron", "Wong", Role.DIRECTOR, "parks"),
    "dir.bylaw": ("Shawn", "Lavoie", Role.DIRECTOR, "bylaw"),
    "dir.engineering": ("Jesse", "Thompson", Role.DIRECTOR, "water"),
    "shopper": ("Blair", "Mitchell", Role.SERVICE_SHOPPER, None),
    "manager": ("Sydney", "Ross", Role.MANAGER, None),
}


@transaction.atomic
def load_demo_city() -> list[DemoAccount]:
    """Create or update the demo city; return the staff log-ins to show the operator."""
    sync_roles()
    city, _ = Jurisdiction.objects.update_or_create(
        slug="pickering",
        defaults={
            "name": "City of Pickering",
            "languages": ["en", "fr", "es"],
            "profile": "pickering",
            "phone": "905-683-7575",
        },
    )
    # One hash for every demo account: hashing 25 passwords one by one takes seconds.
    password_hash = make_password(DEMO_PASSWORD)
    users = {username: _staff_member(city, username, password_hash, *row) for username, row in STAFF.items()}

    departments: dict[str, Department] = {}
    divisions: dict[str, Division] = {}
    for code, (name, director, mailbox, department_divisions) in DEPARTMENTS.items():
        department, _ = Department.objects.update_or_create(
            jurisdiction=city,
            code=code,
            defaults={
                "name": name,
                "director": users[director],
                "email": mailbox,
                "customer_care": code == "customer-care",
            },
        )
        departments[code] = department
        for division_code, (division_name, supervisor) in department_divisions.items():
            divisions[division_code], _ = Division.objects.update_or_create(
                jurisdiction=city,
                code=division_code,
                defaults={"department": department, "name": division_name, "supervisor": users[supervisor]},
            )

    for username, (_first, _last, _role, department_code) in STAFF.items():
        if department_code and users[username].department_id != departments[department_code].pk:
            users[username].department = departments[department_code]
            users[username].save(update_fields=["department"])

    for code, (name, category, department_code, division_code, hazard, description) in SERVICES.items():
        Service.objects.update_or_create(
            jurisdiction=city,
            code=code,
            defaults={
                "name": name,
                "category": category,
                "department": departments[department_code],
                "division": divisions[division_code],
                "is_hazard": hazard,
                "alleges_wrongdoing": code in ALLEGATIONS,
                "description": description,
                "names": SERVICE_NAMES.get(code, {}),
            },
        )
    return [DemoAccount(username, DEMO_PASSWORD, role.label) for username, (_f, _l, role, _d) in STAFF.items()]


def _staff_member(
    city: Jurisdiction, username: str, password_hash: str, first: str, last: str, role: Role, _dept: str | None
) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@pickering.example",
            "jurisdiction": city,
            "job_title": "" if role in (Role.SERVICE_SHOPPER, Role.MANAGER) else role.label,
            # Every demo account may sign in to the administration site; its role decides what it sees there.
            "is_staff": True,
            "password": password_hash,
        },
    )
    user.groups.set([Group.objects.get(name=role.label)])
    return user
