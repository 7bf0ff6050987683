"""CSV import: a row-by-row preview, then every valid row in one transaction or nothing."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from coordinator.domain import volunteer_csv
from coordinator.errors import ValidationError
from coordinator.extensions import db
from coordinator.models import Volunteer

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "volunteers.csv"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Volunteer))


def test_the_sample_file_in_the_repo_imports_cleanly(app):
    preview = volunteer_csv.preview_import(SAMPLE.read_bytes())
    assert preview.invalid == [] and len(preview.valid) == 8
    assert volunteer_csv.commit_import(preview) == 8
    db.session.commit()
    kim = db.session.scalar(select(Volunteer).where(Volunteer.name == "김민준"))
    assert (kim.phone, kim.skill_names, kim.vehicle_kind, kim.vehicle_crates) == (
        "+821055501001",
        ["driver", "handler"],
        "van",
        6,
    )
    lee = db.session.scalar(select(Volunteer).where(Volunteer.name == "이서연"))
    assert lee.skill_names == ["first-aid", "handler"]  # Korean skill words understood
    uk = db.session.scalar(select(Volunteer).where(Volunteer.name == "Daniel Brooks"))
    assert uk.phone == "+447911123456" and uk.language == "en"


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["utf-8", "utf-8 with BOM"])
def test_english_headers_in_utf8_with_or_without_bom(app, prefix):
    content = prefix + "name,phone,skills\n김민준,010-1234-5678,handler\n".encode()
    preview = volunteer_csv.preview_import(content)
    assert [(r.details.name, r.details.phone) for r in preview.valid] == [
        ("김민준", "+821012345678")
    ]


def test_a_file_saved_by_korean_excel_in_cp949_is_read_too(app):
    content = "이름,휴대폰\n김민준,01012345678\n".encode("cp949")
    assert len(volunteer_csv.preview_import(content).valid) == 1


def test_each_bad_row_is_listed_with_what_is_wrong(app, create_volunteer):
    create_volunteer("기존", phone="+821099990000")
    content = "\n".join(
        [
            "이름,전화번호,기술",
            "김민준,010-1234-5678,handler",
            "잘못된번호,12345,handler",
            "모르는기술,010-2222-3333,juggler",
            ",010-4444-5555,handler",
            "두번째,010 1234 5678,handler",
            "이미있음,010-9999-0000,handler",
        ]
    ).encode()
    preview = volunteer_csv.preview_import(content)
    errors = {row.line: " ".join(row.errors) for row in preview.invalid}
    assert [row.line for row in preview.valid] == [2]
    assert "not a valid phone" in errors[3]
    assert "unknown skill juggler" in errors[4]
    assert "name is missing" in errors[5]
    assert "same phone as row 2" in errors[6]
    assert "already on file (기존)" in errors[7]


def test_committing_adds_only_the_valid_rows_in_one_go(app):
    content = "name,phone\n가,010-1111-0001\n,010-1111-0002\n다,010-1111-0003\n".encode()
    added = volunteer_csv.commit_import(volunteer_csv.preview_import(content))
    db.session.commit()
    assert added == 2 and _count() == 2


def test_a_file_with_no_valid_row_imports_nothing(app):
    preview = volunteer_csv.preview_import("name,phone\n가,123\n".encode())
    with pytest.raises(ValidationError, match="no row"):
        volunteer_csv.commit_import(preview)
    assert _count() == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        ("전화번호,기술\n010-1234-5678,handler\n".encode(), "missing: name"),
        (b"\xff\xfe\x00garbage\x80\x81", "not UTF-8"),
    ],
)
def test_an_unusable_file_is_refused_as_a_whole(app, content, message):
    with pytest.raises(ValidationError, match=message):
        volunteer_csv.preview_import(content)


def test_an_opted_out_column_keeps_the_opt_out_on_import(app):
    content = "name,phone,opted out\n가,010-1111-0001,2025-01-02\n나,010-1111-0002,\n".encode()
    volunteer_csv.commit_import(volunteer_csv.preview_import(content))
    db.session.commit()
    people = {v.name: v.is_opted_out for v in db.session.scalars(select(Volunteer))}
    assert people == {"가": True, "나": False}


def test_export_then_import_gives_the_same_people(app, create_volunteer):
    create_volunteer(
        "김민준",
        skills=["handler", "driver"],
        region="서울",
        vehicle_kind="van",
        vehicle_seats=2,
        vehicle_crates=6,
    )
    create_volunteer('=HYPERLINK("x")', skills=["photo"])
    exported = "".join(volunteer_csv.export_lines()).encode()
    assert exported.startswith(b"\xef\xbb\xbf")
    assert b"'=HYPERLINK" in exported  # never a live formula in Excel
    db.session.execute(Volunteer.__table__.delete())
    db.session.commit()
    preview = volunteer_csv.preview_import(exported)
    assert preview.invalid == []
    volunteer_csv.commit_import(preview)
    db.session.commit()
    kim = db.session.scalar(select(Volunteer).where(Volunteer.name == "김민준"))
    assert (kim.skill_names, kim.region, kim.vehicle_crates) == (["driver", "handler"], "서울", 6)
    assert db.session.scalar(select(Volunteer.name).where(Volunteer.name.like("=%")))


def test_the_cli_import_refuses_a_file_with_errors_unless_told_to_skip_them(runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,phone\n가,010-1111-0001\n나,123\n", encoding="utf-8")
    refused = runner.invoke(args=["volunteers", "import", str(path)])
    assert refused.exit_code == 1
    assert "row 3" in refused.output and "nothing imported" in refused.output
    assert _count() == 0
    done = runner.invoke(args=["volunteers", "import", str(path), "--skip-invalid"])
    assert done.exit_code == 0 and "Imported 1 volunteers" in done.output
    db.session.expire_all()
    assert _count() == 1


def test_the_cli_exports_every_volunteer(runner, create_volunteer, tmp_path):
    create_volunteer("김민준")
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["volunteers", "export", "-o", str(out)])
    assert result.exit_code == 0
    assert "김민준" in out.read_text(encoding="utf-8-sig")
