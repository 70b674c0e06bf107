"""An ONIX for Books 3.0 message (reference tags) describing a book's editions.

The caller gives plain values (``Product``, ``Piece``, ``Person``); this module knows nothing
of the manifest. Codes are from EDItEUR's ONIX code lists, issue 75 as bundled with
onixcheck 0.9.12 (``onixcheck/schema/xsd3.0/ONIX_BookProduct_CodeLists.xsd``), which the tests
validate against. Each code is named where it is written: "List 150 BC" is code BC of code
list 150.

The same inputs give the same bytes: nothing here reads the clock; ``sent`` is given.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pycountry
from lxml import etree
from lxml.builder import ElementMaker

NS = "http://ns.editeur.org/onix/3.0/reference"
E = ElementMaker(namespace=NS, nsmap={None: NS})


@dataclass(frozen=True)
class Person:
    """A contributor: ``role`` is a List 17 code (A01 By (author), B01 Edited by,
    B06 Translated by, A12 Illustrated by); ``sort_as`` is the inverted name ("Choo, Esther")."""
    role: str
    name: str
    sort_as: str | None = None


@dataclass(frozen=True)
class Piece:
    """One story, poem or letter: its plain-text title, its people, and the first and last
    printed page labels (("3", "7")) in a print edition, None in an ebook."""
    title: str
    people: tuple[Person, ...]
    pages: tuple[str, str] | None = None


@dataclass(frozen=True)
class Product:
    """One edition of the book, as one ONIX <Product>."""
    record: str                      # RecordReference, "anthology:<book slug>:<edition name>"
    isbn: str | None                 # ISBN-13 digits; None: a proprietary id from ``record``
    form: str                        # "paperback" | "hardcover" | "ebook" | "pdf"
    large_print: bool
    title: str
    subtitle: str | None
    people: tuple[Person, ...]       # the book's own contributors (its editors), in order
    language: str                    # BCP 47 ("en", "pt-BR", "el")
    page_count: int | None           # every page of the print layout
    front_pages: int | None          # the pages before the main content
    keywords: tuple[str, ...]
    publisher: str | None
    date: dt.date | None             # publication date
    prices: tuple[tuple[str, Decimal], ...]   # (ISO 4217 currency, cover price incl. tax)
    description: str | None          # plain text: the back cover's copy, or the description
    pieces: tuple[Piece, ...]
    accessibility: tuple[str, ...] = ()       # List 196 codes (see ``accessibility_codes``)
    accessibility_summary: str | None = None
    trim: tuple[float, float] | None = None   # (height, width) in inches
    thickness: float | None = None            # the spine, in inches
    short_description: str | None = None      # plain text: the description, beside a longer one
    subjects: tuple[tuple[str, str], ...] = ()  # ("bisac" or "thema", code), each main first
    epub_version: str | None = None           # "3" for an EPUB 3
    page_source: str | None = None   # ebook: the ISBN of the print edition its page list follows


# List 150 (product form) and List 175 (product form detail) for each form:
# BC Paperback / softback, BB Hardback, ED Digital download; E101 EPUB, E107 PDF.
FORMS = {"paperback": ("BC", None), "hardcover": ("BB", None),
         "ebook": ("ED", "E101"), "pdf": ("ED", "E107")}
DIGITAL = {"ebook", "pdf"}


def message(products: Sequence[Product], sender: str, sent: dt.datetime) -> bytes:
    """The ONIX 3.0 message (UTF-8 XML) of ``products``, sent by ``sender`` at ``sent``
    (<NoProduct/> when there are none, as the schema asks)."""
    root = E.ONIXMessage(
        E.Header(E.Sender(E.SenderName(sender)), E.SentDateTime(_sent(sent))),
        *([_product(p, products, sender, sent) for p in products] or [E.NoProduct()]),
        release="3.0")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _utc(sent: dt.datetime) -> dt.datetime:
    """``sent`` in UTC (a naive one is taken as UTC)."""
    return sent.astimezone(dt.timezone.utc) if sent.tzinfo is not None else sent


def _sent(sent: dt.datetime) -> str:
    """YYYYMMDDTHHMMSSZ, in UTC."""
    return _utc(sent).strftime("%Y%m%dT%H%M%SZ")


def _forthcoming(p: Product, sent: dt.datetime) -> bool:
    """Published after the day the message is sent."""
    return p.date is not None and p.date > _utc(sent).date()


def _product(p: Product, everything: Sequence[Product], sender: str, sent: dt.datetime):
    forthcoming = _forthcoming(p, sent)
    parts = [
        E.RecordReference(p.record),
        # List 1: 02 Advance notification (confirmed) before publication, 03 Notification
        # confirmed on publication (a complete record at or after publication).
        E.NotificationType("02" if forthcoming else "03"),
        *_identifiers(p),
        _descriptive(p),
    ]
    # List 153 02 Short description, 03 Description (the back cover's copy, when there is
    # one); List 154 00 Unrestricted (any audience).
    texts = [E.TextContent(E.TextType(kind), E.ContentAudience("00"), E.Text(text))
             for kind, text in (("02", p.short_description), ("03", p.description)) if text]
    if texts:
        parts.append(E.CollateralDetail(*texts))
    if p.pieces:
        parts.append(E.ContentDetail(*(_content_item(i, piece, p)
                                       for i, piece in enumerate(p.pieces, 1))))
    parts.append(_publishing(p, forthcoming))
    related = _related(p, everything)
    if related is not None:
        parts.append(related)
    if p.prices:
        parts.append(_supply(p, sender, forthcoming))
    return E.Product(*parts)


def _identifiers(p: Product) -> list:
    """List 5: 15 ISBN-13 and 03 GTIN-13 (the same 13 digits, which retailers key on), or
    01 Proprietary (with its IDTypeName) when the edition has no ISBN."""
    if p.isbn is None:
        return [E.ProductIdentifier(E.ProductIDType("01"), E.IDTypeName("anthology record"),
                                    E.IDValue(p.record))]
    return [E.ProductIdentifier(E.ProductIDType(t), E.IDValue(p.isbn)) for t in ("15", "03")]


def _descriptive(p: Product):
    form, detail = FORMS[p.form]
    digital = p.form in DIGITAL
    # List 2 00 Single-component retail product.
    parts = [E.ProductComposition("00"), E.ProductForm(form)]
    if detail:
        parts.append(E.ProductFormDetail(detail))
    if digital:
        parts += _accessibility(p)
        if p.epub_version:
            # List 79 10 E-publication format version: the version as numbers with periods.
            parts.append(E.ProductFormFeature(E.ProductFormFeatureType("10"),
                                              E.ProductFormFeatureValue(p.epub_version)))
    if p.trim and not digital:
        # List 48 01 Height, 02 Width, 03 Thickness (the spine); List 50 "in" Inches (US).
        sizes = (*p.trim, p.thickness) if p.thickness else p.trim
        for kind, value in zip(("01", "02", "03"), sizes):
            parts.append(E.Measure(E.MeasureType(kind), E.Measurement(_number(value)),
                                   E.MeasureUnitCode("in")))
    if digital:
        parts.append(E.EpubTechnicalProtection("00"))  # List 144 00 None (no DRM)
    # List 15 01 Distinctive title; List 149 01 Product (the title of the product itself).
    element = [E.TitleElementLevel("01"), E.TitleText(p.title)]
    if p.subtitle:
        element.append(E.Subtitle(p.subtitle))
    parts.append(E.TitleDetail(E.TitleType("01"), E.TitleElement(*element)))
    parts += _contributors(p.people) or [E.NoContributor()]
    if p.large_print:
        parts.append(E.EditionType("LTE"))  # List 21 LTE Large type / large print edition
    if (language := _language(p.language)) is not None:
        parts.append(language)
    parts += _extents(p)
    seen = set()
    for scheme, code in p.subjects:
        # List 27 10 BISAC Subject Heading, 93 Thema subject category; the first of each
        # scheme is the MainSubject.
        parts.append(E.Subject(*([E.MainSubject()] if scheme not in seen else []),
                               E.SubjectSchemeIdentifier(SUBJECT_SCHEMES[scheme]),
                               E.SubjectCode(code)))
        seen.add(scheme)
    if p.keywords:
        # List 27 20 Keywords: several keywords go in one SubjectHeadingText, with "; ".
        parts.append(E.Subject(E.SubjectSchemeIdentifier("20"),
                               E.SubjectHeadingText("; ".join(p.keywords))))
    return E.DescriptiveDetail(*parts)


def _accessibility(p: Product) -> list:
    """List 79 09 E-publication accessibility detail, one per List 196 code, and the
    summary as List 196 00 Accessibility summary with the text."""
    features = [E.ProductFormFeature(E.ProductFormFeatureType("09"),
                                     E.ProductFormFeatureValue(code))
                for code in p.accessibility]
    if p.accessibility_summary:
        features.append(E.ProductFormFeature(
            E.ProductFormFeatureType("09"), E.ProductFormFeatureValue("00"),
            E.ProductFormFeatureDescription(p.accessibility_summary)))
    return features


def _number(value: float) -> str:
    """8.5 -> "8.5", 6.0 -> "6", 5.25 -> "5.25" (at most two decimals)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _contributors(people: Sequence[Person]) -> list:
    """<Contributor>s in order: SequenceNumber, ContributorRole (List 17), PersonName and,
    given a sort form, PersonNameInverted."""
    out = []
    for n, person in enumerate(people, 1):
        name = [E.PersonName(person.name)]
        if person.sort_as:
            name.append(E.PersonNameInverted(person.sort_as))
        out.append(E.Contributor(E.SequenceNumber(str(n)), E.ContributorRole(person.role),
                                 *name))
    return out


def _language(tag: str):
    """List 22 01 Language of text; the code is ISO 639-2/B (List 74: "eng", "por", "gre"),
    the bibliographic form where ISO 639-2 has two; a BCP 47 region ("pt-BR") becomes the
    CountryCode (List 91)."""
    subtags = tag.replace("_", "-").split("-")
    primary = subtags[0].lower()
    found = pycountry.languages.get(**{"alpha_2" if len(primary) == 2 else "alpha_3": primary})
    if found is None:
        return None  # a tag ISO 639 lacks (x-..., a private use): no <Language>
    code = getattr(found, "bibliographic", None) or found.alpha_3
    parts = [E.LanguageRole("01"), E.LanguageCode(code)]
    region = next((s for s in subtags[1:] if re.fullmatch(r"[A-Za-z]{2}", s)), None)
    if region and pycountry.countries.get(alpha_2=region.upper()):
        parts.append(E.CountryCode(region.upper()))
    return E.Language(*parts)


def _extents(p: Product) -> list:
    """List 23 page counts, List 24 03 Pages.

    A print edition sends 00 Main content page count (the pages after the front matter:
    the number retailers show as "pages") and 06 Production page count (every page printed,
    numbered or not: what printers and distributors work out spine width, weight and print
    cost from). 07 Absolute page count is for fixed-page digital products: a PDF edition's.
    An ebook given a page count (its page-list's print edition's) sends it as 08 Number of
    pages in print counterpart.
    """
    if p.page_count is None:
        return []

    def extent(kind: str, value: int):
        return E.Extent(E.ExtentType(kind), E.ExtentValue(str(value)), E.ExtentUnit("03"))

    if p.form == "pdf":
        return [extent("07", p.page_count)]  # 07 Absolute page count: fixed pages
    if p.form in DIGITAL:
        return [extent("08", p.page_count)]
    main = p.page_count - (p.front_pages or 0)
    return [extent("00", main), extent("06", p.page_count)]


def _content_item(n: int, piece: Piece, p: Product):
    """One <ContentItem> per piece. List 42 01 Textual work: "a complete work published as a
    content item in a product which carries two or more such works" (a story in an
    anthology is one; 03 Body matter means parts, chapters, sections of one text). Print
    editions give the PageRun, and NumberOfPages when both labels are numbers. Its title is
    List 15 01 with List 149 04 Content item."""
    text = [E.TextItemType("01")]
    if piece.pages and p.form not in DIGITAL:
        first, last = piece.pages
        text.append(E.PageRun(E.FirstPageNumber(first), E.LastPageNumber(last)))
        if first.isdigit() and last.isdigit() and int(last) >= int(first):
            text.append(E.NumberOfPages(str(int(last) - int(first) + 1)))
    title = E.TitleDetail(E.TitleType("01"), E.TitleElement(
        E.TitleElementLevel("04"), E.TitleText(piece.title)))
    return E.ContentItem(E.LevelSequenceNumber(str(n)), E.TextItem(*text), title,
                         *(_contributors(piece.people) or [E.NoContributor()]))


def _publishing(p: Product, forthcoming: bool):
    """List 45 01 Publisher; List 64 02 Forthcoming or 04 Active; List 163 01 Publication
    date in List 55 00 YYYYMMDD."""
    parts = []
    if p.publisher:
        parts.append(E.Publisher(E.PublishingRole("01"), E.PublisherName(p.publisher)))
    parts.append(E.PublishingStatus("02" if forthcoming else "04"))
    if p.date is not None:
        parts.append(E.PublishingDate(E.PublishingDateRole("01"), E.DateFormat("00"),
                                      E.Date(p.date.strftime("%Y%m%d"))))
    return E.PublishingDetail(*parts)


def _related(p: Product, everything: Sequence[Product]):
    """List 51 06 Alternative format: each edition names the other editions that have an
    ISBN (by List 5 15 ISBN-13); one without an ISBN cannot be named. An ebook's
    ``page_source`` also gets 13 E-publication based on (print product): the source of its
    print-equivalent page numbers (List 196 19 asks for it)."""
    others = [o for o in everything if o.isbn and o.record != p.record]
    if not others:
        return None

    def codes(o: Product) -> list:
        codes = ["06"] + (["13"] if p.page_source and p.page_source == o.isbn else [])
        return [E.ProductRelationCode(c) for c in codes]

    return E.RelatedMaterial(*(E.RelatedProduct(
        *codes(o), E.ProductIdentifier(E.ProductIDType("15"), E.IDValue(o.isbn)))
        for o in others))


def _supply(p: Product, sender: str, forthcoming: bool):
    """One supply to the whole world (List 49 WORLD) from the publisher (List 93 01
    Publisher to resellers; the sender when no publisher is named), List 65 20 Available or
    10 Not yet available (with its expected date, List 166 08 Expected availability date),
    and the prices."""
    supplier = E.Supplier(E.SupplierRole("01"), E.SupplierName(p.publisher or sender))
    detail = [supplier, E.ProductAvailability("10" if forthcoming else "20")]
    if forthcoming:
        detail.append(E.SupplyDate(E.SupplyDateRole("08"), E.DateFormat("00"),
                                   E.Date(p.date.strftime("%Y%m%d"))))
    # List 58: the manifest's price is the cover price, printed on the book and in the
    # barcode's add-on. Where sales tax is added at the till (US and Canadian dollars) that
    # is 01 RRP excluding tax; elsewhere a VAT or GST is in the price a reader pays, 02 RRP
    # including tax.
    for currency, amount in p.prices:
        kind = "01" if currency in SALES_TAX_CURRENCIES else "02"
        detail.append(E.Price(E.PriceType(kind), E.PriceAmount(f"{amount:.2f}"),
                              E.CurrencyCode(currency)))
    return E.ProductSupply(
        E.Market(E.Territory(E.RegionsIncluded("WORLD"))), E.SupplyDetail(*detail))


SALES_TAX_CURRENCIES = {"USD", "CAD"}
SUBJECT_SCHEMES = {"bisac": "10", "thema": "93"}  # List 27
# A piece's credits (people.ROLES) -> List 17.
ROLE_CODES = {"author": "A01", "translator": "B06", "illustrator": "A12", "editor": "B01"}


# --- what an EPUB declares -> List 196 ---------------------------------------------------

OPF = "{http://www.idpf.org/2007/opf}"
# schema:accessibilityFeature -> List 196, after the W3C "Schema.org Accessibility
# Properties Crosswalk" and the DAISY Knowledge Base's ONIX mappings.
FEATURES = {
    "tableOfContents": ["11"],        # Table of contents navigation
    "index": ["12"],                  # Index navigation
    "readingOrder": ["13"],           # Single logical reading order
    "alternativeText": ["14"],        # Short alternative textual descriptions
    "longDescription": ["15"],        # Full alternative textual descriptions
    "MathML": ["17"],                 # Accessible math content as MathML
    "printPageNumbers": ["19"],       # Print-equivalent page numbering (older term)
    "pageBreakMarkers": ["19"],       # Print-equivalent page numbering
    "pageNavigation": ["41"],         # Page list navigation (19 too with pageBreakSource)
    "structuralNavigation": ["29"],   # Next / Previous structural navigation
    "ARIA": ["30"],                   # ARIA roles provided
    "displayTransformability": ["36"],  # Appearance of all textual content can be modified
}
# dcterms:conformsTo "EPUB Accessibility 1.1 - WCAG 2.x Level A/AA/AAA" -> 04 EPUB
# Accessibility Specification 1.1, 80/81/82 WCAG v2.0/2.1/2.2, 84/85/86 WCAG level A/AA/AAA.
WCAG_VERSIONS = {"2.0": "80", "2.1": "81", "2.2": "82"}
WCAG_LEVELS = {"A": "84", "AA": "85", "AAA": "86"}


def epub_accessibility(epub: bytes) -> tuple[list[str], str | None]:
    """``accessibility_codes`` of an EPUB's package document."""
    with zipfile.ZipFile(io.BytesIO(epub)) as z:
        return accessibility_codes(z.read(next(n for n in z.namelist() if n.endswith(".opf"))))


def accessibility_codes(opf_xml: bytes) -> tuple[list[str], str | None]:
    """The List 196 codes an EPUB's package document (OPF) states, sorted, and its
    schema:accessibilitySummary.

    Only what the OPF says is mapped: accessibilityFeature values (``FEATURES``);
    accessModeSufficient "textual" -> 52 All non-decorative content supports reading
    without sight; conformsTo EPUB Accessibility 1.1 - WCAG x Level y -> 04, 8x, 8y.
    accessibilityHazard "none" has no List 196 code (hazards are List 143, under
    ProductFormFeatureType 12) and a11y:certifiedBy needs its name as a description
    (List 196 90), so neither is returned here.
    """
    metas: dict[str, list[str]] = {}
    for meta in etree.fromstring(opf_xml).iter(OPF + "meta"):
        prop = meta.get("property")
        if prop:
            metas.setdefault(prop, []).append(" ".join((meta.text or "").split()))
    codes: set[str] = set()
    for feature in metas.get("schema:accessibilityFeature", []):
        codes.update(FEATURES.get(feature, []))
    if "pageNavigation" in metas.get("schema:accessibilityFeature", []) \
            and metas.get("pageBreakSource"):
        codes.add("19")  # the page list is the print edition's pages
    for sufficient in metas.get("schema:accessModeSufficient", []):
        if sorted(sufficient.replace(",", " ").split()) == ["textual"]:
            codes.add("52")
    for claim in metas.get("dcterms:conformsTo", []):
        found = re.fullmatch(r"EPUB Accessibility 1\.1 - WCAG (2\.[012]) Level (A{1,3})", claim)
        if found:
            codes.update(["04", WCAG_VERSIONS[found[1]], WCAG_LEVELS[found[2]]])
    summaries = metas.get("schema:accessibilitySummary")
    return sorted(codes), (summaries[0] if summaries else None)
