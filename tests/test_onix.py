"""The ONIX 3.0 record: valid against EDItEUR's schema (as onixcheck bundles it), every
piece with its pages in each print edition, the ISBNs, the accessibility of the EPUB."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import onixcheck
import pytest
from lxml import etree
from onixcheck import validate

from anthology.build import build
from anthology.onix import Person, Piece, Product, accessibility_codes, message

NS = {"o": "http://ns.editeur.org/onix/3.0/reference"}
SENT = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.timezone.utc)
SCHEMAS = Path(onixcheck.__file__).parent / "schema" / "xsd3.0"
CODELISTS = SCHEMAS / "ONIX_BookProduct_CodeLists.xsd"

EDITOR = Person("B01", "Ana Ortiz", "Ortiz, Ana")
PIECES = (
    Piece("The Night Shift", (Person("A01", "Esther Choo", "Choo, Esther"),), ("3", "7")),
    Piece("Η θάλασσα του Αυγούστου", (Person("A01", "Νίκος Παπαδόπουλος"),
                                      Person("B06", "Helen Smith", "Smith, Helen")), ("8", "12")),
    Piece("Mưa ở Huế", (Person("A01", "Nguyễn Thị Hương"),
                        Person("A12", "Lê Văn Minh")), ("13", "13")),
    Piece("Afterword in roman", (EDITOR,), ("xi", "xii")),
)
ISBNS = {"paperback": "9780306406157", "hardcover": "9781861972712",
         "large-print": "9780262033848", "ebook": "9781566199094"}
A11Y = ["04", "11", "13", "14", "19", "29", "41", "52", "81", "85"]
SUMMARY = "All of this publication's content is text, in reading order."


def product(name: str, **changes) -> Product:
    form = {"large-print": "paperback"}.get(name, name)
    ebook = form == "ebook"
    fields = dict(
        record=f"anthology:small-hours:{name}", isbn=ISBNS.get(name), form=form,
        large_print=name == "large-print", title="Small Hours", subtitle="Night pieces",
        people=(EDITOR,), language="en", page_count=None if ebook else 96,
        front_pages=None if ebook else 8, keywords=("medicine", "short stories"),
        publisher="Anthology Press", date=dt.date(2026, 11, 23),
        prices=(("USD", Decimal("19.95")), ("GBP", Decimal("15"))),
        description="Stories told in the small hours.",
        pieces=tuple(Piece(p.title, p.people, None) for p in PIECES) if ebook else PIECES,
        accessibility=tuple(A11Y) if ebook else (),
        accessibility_summary=SUMMARY if ebook else None,
        trim=None if ebook else (8.5, 5.5), epub_version="3" if ebook else None,
        page_source=ISBNS["paperback"] if ebook else None)
    fields.update(changes)
    return Product(**fields)


FOUR = [product(n) for n in ("paperback", "hardcover", "large-print", "ebook")]


def errors(data: bytes) -> list[str]:
    """onixcheck's messages, against the 3.0 XSD and the RELAX NG schema (validate() takes
    a path or a file with a ``name``)."""
    messages = []
    for schema in ("xsd", "rng"):
        file = io.BytesIO(data)
        file.name = "onix.xml"
        messages += [str(m) for m in validate(file, schemas=(schema,))]
    return messages


def products(data: bytes) -> dict[str, etree._Element]:
    root = etree.fromstring(data)
    return {p.findtext("o:RecordReference", namespaces=NS).rsplit(":", 1)[1]: p
            for p in root.findall("o:Product", NS)}


def codelist(number: int) -> set[str]:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    tree = etree.parse(str(CODELISTS))
    kind = tree.find(f"{xs}simpleType[@name='List{number}']")
    return {e.get("value") for e in kind.iter(f"{xs}enumeration")}


@pytest.fixture(scope="module")
def four() -> bytes:
    return message(FOUR, "Anthology Press", SENT)


def test_four_editions_validate(four):
    assert errors(four) == []


def test_an_invalid_message_is_reported(four):
    root = etree.fromstring(four)
    for node in root.iterfind(".//o:NotificationType", NS):  # required in every Product
        node.getparent().remove(node)
    assert errors(etree.tostring(root))
    assert errors(four.replace(b"<ProductForm>BC<", b"<ProductForm>QQ<"))


def test_every_piece_with_its_pages_in_each_print_edition(four):
    for name, p in products(four).items():
        items = p.findall("o:ContentDetail/o:ContentItem", NS)
        assert [i.findtext("o:TitleDetail/o:TitleElement/o:TitleText", namespaces=NS)
                for i in items] == [piece.title for piece in PIECES]
        runs = [(i.findtext("o:TextItem/o:PageRun/o:FirstPageNumber", namespaces=NS),
                 i.findtext("o:TextItem/o:PageRun/o:LastPageNumber", namespaces=NS))
                for i in items]
        if name == "ebook":
            assert p.find(".//o:PageRun", NS) is None
        else:
            assert runs == [piece.pages for piece in PIECES]
            assert [i.findtext("o:TextItem/o:NumberOfPages", namespaces=NS)
                    for i in items] == ["5", "5", "1", None]
        second = items[1].findall("o:Contributor", NS)
        assert [(c.findtext("o:ContributorRole", namespaces=NS),
                 c.findtext("o:PersonName", namespaces=NS)) for c in second] == [
            ("A01", "Νίκος Παπαδόπουλος"), ("B06", "Helen Smith")]


def test_isbns_forms_and_alternative_formats(four):
    found = products(four)
    for name, p in found.items():
        ids = {(i.findtext("o:ProductIDType", namespaces=NS),
                i.findtext("o:IDValue", namespaces=NS))
               for i in p.findall("o:ProductIdentifier", NS)}
        assert ids == {("15", ISBNS[name]), ("03", ISBNS[name])}
        related = {r.findtext("o:ProductIdentifier/o:IDValue", namespaces=NS)
                   for r in p.findall("o:RelatedMaterial/o:RelatedProduct", NS)}
        assert related == set(ISBNS.values()) - {ISBNS[name]}
    forms = {n: (p.findtext(".//o:ProductForm", namespaces=NS),
                 p.findtext(".//o:ProductFormDetail", namespaces=NS),
                 p.findtext(".//o:EditionType", namespaces=NS)) for n, p in found.items()}
    assert forms == {"paperback": ("BC", None, None), "hardcover": ("BB", None, None),
                     "large-print": ("BC", None, "LTE"), "ebook": ("ED", "E101", None)}
    paperback = found["paperback"]
    assert [(e.findtext("o:ExtentType", namespaces=NS),
             e.findtext("o:ExtentValue", namespaces=NS))
            for e in paperback.findall(".//o:Extent", NS)] == [("00", "88"), ("06", "96")]
    assert [(p.findtext("o:PriceType", namespaces=NS), p.findtext("o:PriceAmount", namespaces=NS),
             p.findtext("o:CurrencyCode", namespaces=NS))
            for p in paperback.findall(".//o:Price", NS)] == [
        ("01", "19.95", "USD"), ("02", "15.00", "GBP")]
    # The ebook's page list follows the paperback: 13 E-publication based on (print product).
    relations = {r.findtext("o:ProductIdentifier/o:IDValue", namespaces=NS):
                 [c.text for c in r.findall("o:ProductRelationCode", NS)]
                 for r in found["ebook"].findall(".//o:RelatedProduct", NS)}
    assert relations == {ISBNS["paperback"]: ["06", "13"], ISBNS["hardcover"]: ["06"],
                         ISBNS["large-print"]: ["06"]}
    assert found["ebook"].find(".//o:Extent", NS) is None


def test_accessibility_features_of_the_ebook(four):
    ebook = products(four)["ebook"]
    features = [(f.findtext("o:ProductFormFeatureValue", namespaces=NS),
                 f.findtext("o:ProductFormFeatureDescription", namespaces=NS))
                for f in ebook.findall(".//o:ProductFormFeature", NS)
                if f.findtext("o:ProductFormFeatureType", namespaces=NS) == "09"]
    assert features == [(c, None) for c in A11Y] + [("00", SUMMARY)]
    # The schema cannot check a feature's value (its list depends on the type): check List 196.
    assert {code for code, _ in features} <= codelist(196)
    assert ebook.findtext(".//o:EpubTechnicalProtection", namespaces=NS) == "00"
    assert products(four)["paperback"].find(".//o:ProductFormFeature", NS) is None


@pytest.mark.slow
def test_accessibility_codes_from_a_built_epub(tmp_path):
    (tmp_path / "book.yaml").write_text(
        "title: Small Hours\neditors: [Ana Ortiz]\ndate: 2024-06-01\nlanguage: en\n"
        "stories:\n  - author: Esther Choo\n    title: The Night Shift\n    date: 2024-05-01\n"
        "    text: She came off the night shift at 6:40 and texted her brother one line.\n",
        encoding="utf-8")
    built = build(tmp_path / "book.yaml", tmp_path / "out", ["epub"])
    with zipfile.ZipFile(built.outputs["epub"]) as z:
        opf = z.read("EPUB/content.opf")
    codes, summary = accessibility_codes(opf)
    # structuralNavigation 29, tableOfContents 11, readingOrder 13, pageNavigation 41 (and
    # 19: its pageBreakSource is the print edition), alternativeText 14, accessModeSufficient
    # textual 52, conformsTo EPUB Accessibility 1.1 - WCAG 2.1 Level AA: 04, 81, 85.
    assert codes == A11Y
    assert set(codes) <= codelist(196)
    assert summary and summary.startswith("All of this publication's content is text")
    data = message([product("ebook", accessibility=tuple(codes),
                            accessibility_summary=summary)], "Anthology Press", SENT)
    assert errors(data) == []


def test_accessibility_codes_map_only_what_is_stated():
    opf = (b'<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata>'
           b'<meta property="schema:accessibilityFeature">index</meta>'
           b'<meta property="schema:accessibilityFeature">displayTransformability</meta>'
           b'<meta property="schema:accessibilityFeature">pageNavigation</meta>'
           b'<meta property="schema:accessModeSufficient">textual,visual</meta>'
           b'<meta property="dcterms:conformsTo">'
           b'EPUB Accessibility 1.1 - WCAG 2.2 Level A</meta>'
           b'</metadata></package>')
    assert accessibility_codes(opf) == (["04", "12", "36", "41", "82", "84"], None)


def test_without_isbn_a_proprietary_id():
    data = message([product("paperback", isbn=None)] + FOUR[1:], "Anthology Press", SENT)
    assert errors(data) == []
    paperback = products(data)["paperback"]
    ids = paperback.findall("o:ProductIdentifier", NS)
    assert [tuple(i.findtext(f"o:{tag}", namespaces=NS)
                  for tag in ("ProductIDType", "IDTypeName", "IDValue")) for i in ids] == [
        ("01", "anthology record", "anthology:small-hours:paperback")]
    assert paperback.find("o:RelatedMaterial", NS) is not None
    hardcover = products(data)["hardcover"]
    assert ISBNS["paperback"].encode() not in etree.tostring(hardcover)


def test_same_inputs_same_bytes(four):
    assert message(FOUR, "Anthology Press", SENT) == four
    assert b"<SentDateTime>20261129T120000Z</SentDateTime>" in four


def test_non_ascii_titles_survive(four):
    text = four.decode("utf-8")
    for title in ("Η θάλασσα του Αυγούστου", "Mưa ở Huế", "Nguyễn Thị Hương"):
        assert text.count(title) == 4


def test_languages_and_forthcoming_edition():
    later = dt.date(2027, 3, 1)
    data = message([product("paperback", language="pt-BR", date=later),
                    product("hardcover", language="el", prices=())], "Anthology Press", SENT)
    assert errors(data) == []
    found = products(data)
    assert found["paperback"].findtext(".//o:LanguageCode", namespaces=NS) == "por"
    assert found["paperback"].findtext(".//o:Language/o:CountryCode", namespaces=NS) == "BR"
    assert found["hardcover"].findtext(".//o:LanguageCode", namespaces=NS) == "gre"
    assert found["paperback"].findtext(".//o:PublishingStatus", namespaces=NS) == "02"
    assert found["paperback"].findtext(".//o:ProductAvailability", namespaces=NS) == "10"
    assert found["hardcover"].findtext(".//o:PublishingStatus", namespaces=NS) == "04"
    assert found["hardcover"].find("o:ProductSupply", NS) is None


def test_a_pdf_edition_and_pieces_without_people():
    pdf = product("ebook", record="anthology:small-hours:pdf", isbn=None, form="pdf",
                  people=(), epub_version=None, page_source=None,
                  pieces=(Piece("Untitled", ()),))
    data = message([pdf], "Anthology Press", SENT)
    assert errors(data) == []
    found = products(data)["pdf"]
    assert [found.findtext(f".//o:{tag}", namespaces=NS)
            for tag in ("ProductForm", "ProductFormDetail")] == ["ED", "E107"]
    assert found.find("o:DescriptiveDetail/o:NoContributor", NS) is not None
    assert found.find("o:ContentDetail/o:ContentItem/o:NoContributor", NS) is not None


def test_no_products():
    data = message([], "Anthology Press", SENT)
    assert errors(data) == [] and b"<NoProduct/>" in data
