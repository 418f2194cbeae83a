"""Demo data: an organisation tree, one account per role and workshops in every status.

Every person in it is synthetic: names are drawn from common characters and ID
numbers are generated with a valid check character. The demo password is public.
"""

import datetime
import decimal
import io
import logging
import random
import zipfile

from werkzeug.datastructures import FileStorage

from models import DeclarationStatus, DeclarationYear, DocumentType, ProfessionalField, Trainee, Workshop, db

from . import declarations, workflow
from .accounts import create_organisation, create_user
from .crypto import cipher
from .idnumbers import mask, with_check_digit

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "Demo#2026"

FIELDS = [
    "新一代信息技术",
    "高端装备制造",
    "生物医药",
    "现代农业",
    "新材料",
    "节能环保",
    "数字经济",
    "公共卫生",
    "乡村振兴",
    "碳达峰碳中和",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉海燕鹏飞"
REGIONS = ["110105", "120101", "320102", "330106", "370102", "440106", "510104", "610113"]


def synthetic_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


def synthetic_id_number(rng: random.Random) -> str:
    birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(0, 35 * 365))
    return with_check_digit(f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}")


def synthetic_phone(index: int) -> str:
    return f"139{index:08d}"


def _organisations():
    root = create_organisation(
        "人力资源社会保障部专业技术人员管理司", "MOHRSS-ZJS", region="北京市", contact_person="张明", phone="010-84201234"
    )
    prov_a = create_organisation(
        "江苏省人力资源和社会保障厅", "JS-RSJ", root, region="江苏省", contact_person="李华", phone="025-83276000"
    )
    prov_b = create_organisation(
        "广东省人力资源和社会保障厅", "GD-RSJ", root, region="广东省", contact_person="陈静", phone="020-83337000"
    )
    prov_c = create_organisation("中国科学技术协会", "CAST", root, region="北京市", contact_person="赵强", phone="010-68571898")
    units = {
        "a1": create_organisation(
            "南京工业大学", "JS-NJTECH", prov_a, region="南京市", contact_person="周涛", phone="025-58139000"
        ),
        "a2": create_organisation(
            "江苏省农业科学院", "JS-JAAS", prov_a, region="南京市", contact_person="吴敏", phone="025-84390000"
        ),
        "b1": create_organisation(
            "华南理工大学", "GD-SCUT", prov_b, region="广州市", contact_person="郭勇", phone="020-87110000"
        ),
        "b2": create_organisation(
            "广东省人民医院", "GD-GDPH", prov_b, region="广州市", contact_person="何丽", phone="020-83827812"
        ),
        "c1": create_organisation(
            "中国电子学会", "CAST-CIE", prov_c, region="北京市", contact_person="高磊", phone="010-68283463"
        ),
    }
    return root, {"a": prov_a, "b": prov_b, "c": prov_c}, units


def _accounts(root, provinces, units):
    accounts = {
        "admin": create_user("admin", "平台管理员", root, DEMO_PASSWORD, is_platform_admin=True),
        "ministry": create_user("ministry", "专技司审核员", root, DEMO_PASSWORD),
        "prov-a": create_user("prov-a", "江苏省管理员", provinces["a"], DEMO_PASSWORD),
        "prov-b": create_user("prov-b", "广东省管理员", provinces["b"], DEMO_PASSWORD),
        "prov-c": create_user("prov-c", "中国科协管理员", provinces["c"], DEMO_PASSWORD),
        "unit-a1": create_user("unit-a1", "南京工业大学申报员", units["a1"], DEMO_PASSWORD),
        "unit-a2": create_user("unit-a2", "江苏农科院申报员", units["a2"], DEMO_PASSWORD),
        "unit-b1": create_user("unit-b1", "华南理工申报员", units["b1"], DEMO_PASSWORD),
        "unit-b2": create_user("unit-b2", "省人民医院申报员", units["b2"], DEMO_PASSWORD),
        "unit-c1": create_user("unit-c1", "中国电子学会申报员", units["c1"], DEMO_PASSWORD),
    }
    return accounts


# (key, declaring organisation, final status, project name, field index, self-funded, start month)
WORKSHOPS = [
    ("ai", "a1", DeclarationStatus.APPROVED, "新一代人工智能与智能制造高级研修班", 0, False, 5),
    ("materials", "a1", DeclarationStatus.INITIAL_SUBMITTED, "先进高分子材料创新应用高级研修班", 4, False, 9),
    ("draft", "a1", DeclarationStatus.DRAFT, "化工园区安全生产数字化转型高级研修班", 6, True, 10),
    ("seed", "a2", DeclarationStatus.INITIAL_REJECTED, "现代种业创新与乡村振兴高级研修班", 3, False, 8),
    ("smart-farm", "a2", DeclarationStatus.SELF_HOSTED, "智慧农业装备应用高级研修班", 3, True, 7),
    ("carbon", "a", DeclarationStatus.MINISTRY_SUBMITTED, "碳达峰碳中和路径与技术高级研修班", 9, False, 9),
    ("digital", "a", DeclarationStatus.APPROVED, "数字经济与产业数字化高级研修班", 6, True, 6),
    ("chip", "b1", DeclarationStatus.INITIAL_APPROVED, "集成电路设计与制造高级研修班", 0, False, 10),
    ("robot", "b1", DeclarationStatus.REJECTED, "工业机器人系统集成高级研修班", 1, False, 11),
    ("health", "b2", DeclarationStatus.APPROVED, "公共卫生应急管理高级研修班", 7, False, 6),
    ("bio", "b", DeclarationStatus.MINISTRY_SUBMITTED, "生物医药创新药物研发高级研修班", 2, False, 10),
    ("electronics", "c1", DeclarationStatus.INITIAL_SUBMITTED, "电子信息技术前沿高级研修班", 0, False, 9),
]

REJECTION_REASON = "研修计划中课程安排不完整，请补充每日课程与授课专家后重新提交。"

# The workflow steps that lead a new draft to each final status, as (actor, action).
PATHS = {
    DeclarationStatus.DRAFT: [],
    DeclarationStatus.INITIAL_SUBMITTED: [("unit", "submit")],
    DeclarationStatus.INITIAL_REJECTED: [("unit", "submit"), ("province", "initial_reject")],
    DeclarationStatus.INITIAL_APPROVED: [("unit", "submit"), ("province", "initial_approve")],
    DeclarationStatus.MINISTRY_SUBMITTED: [
        ("unit", "submit"),
        ("province", "initial_approve"),
        ("province", "forward_to_ministry"),
    ],
    DeclarationStatus.APPROVED: [
        ("unit", "submit"),
        ("province", "initial_approve"),
        ("province", "forward_to_ministry"),
        ("ministry", "approve"),
    ],
    DeclarationStatus.REJECTED: [
        ("unit", "submit"),
        ("province", "initial_approve"),
        ("province", "forward_to_ministry"),
        ("ministry", "reject"),
    ],
}
PATHS[DeclarationStatus.SELF_HOSTED] = PATHS[DeclarationStatus.REJECTED] + [("unit", "self_host")]
# A province's own declaration goes straight to the ministry.
PROVINCE_STEPS = {"submit": "submit_own_to_ministry", "initial_approve": None, "forward_to_ministry": None}

CREATORS = {"a1": "unit-a1", "a2": "unit-a2", "b1": "unit-b1", "b2": "unit-b2", "c1": "unit-c1", "a": "prov-a", "b": "prov-b"}
PROVINCE_OF = {"a1": "prov-a", "a2": "prov-a", "b1": "prov-b", "b2": "prov-b", "c1": "prov-c", "a": "prov-a", "b": "prov-b"}


def _demo_archive(name: str) -> FileStorage:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("申报表（盖章扫描件）.txt", f"{name} 申报表扫描件（演示文件）".encode())
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=f"{name}申报材料.zip")


def _declare(key, owner, name, field, self_funded, month, accounts):
    creator = accounts[CREATORS[owner]]
    organisation = creator.organisation
    start = datetime.date(2026, month, 10)
    data = {
        "year": 2026,
        "name": name,
        "host_unit": organisation.name,
        "field": field.id,
        "is_featured": key == "ai",
        "featured_years": 3 if key == "ai" else None,
        "self_funded": self_funded,
        "amount": None if self_funded else decimal.Decimal("20.00"),
        "purpose": f"围绕{field.name}领域的关键问题，组织高层次专业技术人才开展研修，提升创新能力。",
        "start_date": start,
        "end_date": start + datetime.timedelta(days=6),
        "place": organisation.region,
        "contact_person": organisation.contact_person,
        "contact_phone": organisation.phone,
        "planned_trainees": 60,
    }
    return declarations.create_declaration(creator, data, _demo_archive(name))


def _walk(workshop, owner, final_status, accounts):
    """Move a new draft to its final status through the workflow, as the real users would."""
    actors = {"unit": accounts[CREATORS[owner]], "province": accounts[PROVINCE_OF[owner]], "ministry": accounts["ministry"]}
    for actor, action in PATHS[final_status]:
        if owner in ("a", "b"):
            action = PROVINCE_STEPS.get(action, action)
            if action is None:
                continue
            actor = "province" if actor == "unit" else actor
        reason = REJECTION_REASON if workflow.TRANSITIONS[action].needs_reason else ""
        workflow.perform(actors[actor], workshop.id, action, reason)


def _workshops(accounts, fields):
    created = {}
    for key, owner, status, name, field_index, self_funded, month in WORKSHOPS:
        workshop = _declare(key, owner, name, fields[field_index], self_funded, month, accounts)
        _walk(workshop, owner, status, accounts)
        created[key] = Workshop.get_by_id(workshop.id)
    return created


def _trainees(workshop, count, rng, start_index):
    box = cipher()
    seen = set()
    index = start_index
    while len(seen) < count:
        number = synthetic_id_number(rng)
        if number in seen:
            continue
        seen.add(number)
        index += 1
        Trainee.create(
            workshop=workshop,
            name=synthetic_name(rng),
            id_number_encrypted=box.encrypt(number),
            id_number_hash=box.lookup_hash(number),
            id_number_masked=mask(number),
            hours=decimal.Decimal(rng.choice((32, 40, 48, 56))),
            phone=synthetic_phone(index),
        )
    return index


def _passport_trainee(workshop):
    """One trainee with a (synthetic) passport, so that the administrators' check list is not empty."""
    box = cipher()
    number = "E12345678"
    Trainee.create(
        workshop=workshop,
        name="林安娜",
        document_type=DocumentType.PASSPORT,
        needs_verification=True,
        id_number_encrypted=box.encrypt(number),
        id_number_hash=box.lookup_hash(number),
        id_number_masked=mask(number),
        hours=decimal.Decimal(40),
        phone=synthetic_phone(900),
    )


def _approve_trainee_list(workshop, accounts):
    """Submit and approve a list through the workflow, which locks it and issues certificate numbers."""
    workflow.perform(accounts["prov-a"], workshop.id, "submit_trainee_list")
    workflow.perform(accounts["ministry"], workshop.id, "approve_trainee_list")


def load_demo():
    """Insert the demo data into an empty database in one transaction."""
    rng = random.Random(2026)
    with db.atomic():
        fields = [ProfessionalField.create(name=name, sort_order=i) for i, name in enumerate(FIELDS)]
        for year in (2025, 2026, 2027):
            DeclarationYear.create(year=year, is_open=year >= 2026)
        root, provinces, units = _organisations()
        accounts = _accounts(root, provinces, units)
        workshops = _workshops(accounts, fields)
        index = _trainees(workshops["ai"], 12, rng, 0)
        _trainees(workshops["digital"], 8, rng, index)
        _passport_trainee(workshops["digital"])
        _approve_trainee_list(workshops["ai"], accounts)
    logger.info("Demo data loaded: %d workshops", len(workshops))
    return accounts
