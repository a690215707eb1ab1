"""What is printed for a certificate: the QR code on the event page, the certificate summary and the labels,
decoded by a real QR decoder (zbar's ``zbarimg``) and followed to the public page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageDraw

from registry.auth.models import Role
from registry.extensions import db
from tests.factories import (
    InstrumentFactory,
    OrganisationFactory,
    lab_with_credentials,
    record_verification,
    user_with_role,
)
from tests.helpers import logged_in

SCALE = 8  # pixels per QR module


def _svgs(html: str) -> list[str]:
    return re.findall(r'<svg class="qr-code".*?</svg>', html, flags=re.DOTALL)


def _rasterise(svg: str, path: Path) -> Path:
    """The SVG drawn as the browser would, black squares on white (the library draws each module as a
    path of squares ``Mx,yHx'Vy'Hxz``), into a PNG at ``path``."""
    match = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert match, "the QR code has no viewBox"
    width, height = int(match.group(1)), int(match.group(2))
    image = Image.new("L", (width * SCALE, height * SCALE), 255)
    draw = ImageDraw.Draw(image)
    for x, y, x2, y2 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", svg):
        box = [float(x) * SCALE, float(y) * SCALE, float(x2) * SCALE - 1, float(y2) * SCALE - 1]
        draw.rectangle(box, fill=0)
    image.save(path)
    return path


def decode_qr(png: Path) -> list[str]:
    """What zbar reads in the image (Debian's zbar-tools; .ci/run installs it)."""
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg is missing: apt-get install zbar-tools"
    result = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.split()


@pytest.fixture
def lab_client(client: Any, auth: Any, lab_technician: Any) -> Any:
    return logged_in(client, auth, lab_technician)


def test_the_qr_code_of_a_label_decodes_to_the_public_page_of_the_certificate(
    app, lab_client, lab_technician, tmp_path
):
    event = record_verification(lab_technician, InstrumentFactory(serial_number="CX-QR-1"))
    db.session.commit()
    svgs = _svgs(lab_client.get(f"/events/{event.id}/label").get_data(as_text=True))
    assert len(svgs) == 1
    decoded = decode_qr(_rasterise(svgs[0], tmp_path / "label.png"))
    assert len(decoded) == 1 and decoded[0].endswith(f"/verify/{event.verification_token}")
    visitor = app.test_client()
    page = visitor.get(urlsplit(decoded[0]).path)
    assert page.status_code == 200 and "CX-QR-1" in page.get_data(as_text=True)


def test_the_event_page_and_the_summary_show_the_qr_code_and_the_link_beside_it(
    lab_client, lab_technician, tmp_path
):
    event = record_verification(lab_technician, InstrumentFactory())
    db.session.commit()
    for path in (f"/events/{event.id}", f"/events/{event.id}/summary"):
        html = lab_client.get(path).get_data(as_text=True)
        link = f"http://localhost/verify/{event.verification_token}"
        assert f'data-testid="public-link">{link}<' in html, path
        assert decode_qr(_rasterise(_svgs(html)[0], tmp_path / "page.png")) == [link], path


def test_a_sheet_of_the_labs_events_of_a_day_has_a_label_for_each_certificate(lab_client, lab_technician):
    day = "2026-11-02"
    serials = [f"CX-DAY-{n}" for n in range(26)]
    for serial in serials:
        record_verification(lab_technician, InstrumentFactory(serial_number=serial), performed_on=day)
    record_verification(
        lab_technician, InstrumentFactory(serial_number="CX-OTHER-DAY"), performed_on="2026-11-03"
    )
    db.session.commit()
    html = lab_client.get(f"/labels/day?on={day}").get_data(as_text=True)
    assert html.count('data-testid="label-sheet"') == 2  # 24 on the first A4 sheet, 2 on the next
    assert html.count('data-testid="label"') == 26 and len(_svgs(html)) == 26
    assert all(serial in html for serial in serials) and "CX-OTHER-DAY" not in html


def test_an_owners_selection_labels_only_the_events_it_may_see(
    client, auth, enterprise_manager, lab_technician
):
    own = record_verification(
        lab_technician, InstrumentFactory(owner=enterprise_manager.organisation, serial_number="CX-MINE")
    )
    other = record_verification(
        lab_technician, InstrumentFactory(owner=OrganisationFactory(), serial_number="CX-THEIRS")
    )
    db.session.commit()
    owner_client = logged_in(client, auth, enterprise_manager)
    html = owner_client.get(f"/labels?event={own.id}&event={other.id}").get_data(as_text=True)
    assert "CX-MINE" in html and "CX-THEIRS" not in html
    assert html.count('data-testid="label"') == 1


def test_another_labs_event_has_no_label_for_a_lab(client, auth, lab_technician):
    other_lab = lab_with_credentials(code="TTKT-KHAC")
    stranger = record_verification(user_with_role(Role.PROVIDER_TECHNICIAN, other_lab), InstrumentFactory())
    db.session.commit()
    lab_client = logged_in(client, auth, lab_technician)
    assert lab_client.get(f"/events/{stranger.id}/label").status_code == 404
    assert lab_client.get(f"/events/{stranger.id}/summary").status_code == 404
