"""An ingest's memory does not depend on what its texts are or how many (#15)."""

import os
import sys
from pathlib import Path

import pytest

from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.memory import release_free_memory

STATM = Path("/proc/self/statm")
TEXTS = [
    # every script and Latin-script language the default detector knows, short and
    # long, so that every language model and n-gram order lingua has is needed
    "Die Lieferung kam drei Tage zu spät und niemand antwortet.",
    "La livraison est arrivée avec trois jours de retard.",
    "El pedido llegó con tres días de retraso.",
    "Il pacco è arrivato con tre giorni di ritardo.",
    "De levering kwam drie dagen te laat.",
    "A entrega chegou com três dias de atraso.",
    "Toimitus myöhästyi kolme päivää eikä kukaan vastaa.",
    "Przesyłka dotarła z trzydniowym opóźnieniem.",
    "Sendingin kom þremur dögum of seint.",
    "Saadetis jõudis kohale kolm päeva hiljem.",
    "Посылка пришла с опозданием на три дня.",
    "Посилка прийшла із запізненням на три дні.",
    "Το δέμα έφτασε με τρεις μέρες καθυστέρηση.",
    "وصل الطرد متأخرا ثلاثة أيام",
    "بسته سه روز دیر رسید",
    "החבילה הגיעה באיחור של שלושה ימים",
    "पार्सल तीन दिन देर से पहुंचा",
    "พัสดุมาถึงช้าไปสามวัน",
    "包裹晚了三天才到。",
    "荷物が三日遅れて届きました。",
    "소포가 사흘 늦게 도착했습니다.",
    "Hej",
    "Tak!",
    "ok",
    "Bra service",
    "Jeg har ventet på pakken min i to uker.",
    "Jag har väntat på mitt paket i två veckor.",
    "Jeg har ventet på min pakke i to uger.",
]


def _rss_mb() -> float:
    return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_release_free_memory_is_safe_to_call() -> None:
    assert release_free_memory() in (True, False)
    assert release_free_memory() is release_free_memory()  # same answer every time


@pytest.mark.skipif(not STATM.exists() or sys.platform != "linux", reason="reads /proc")
def test_new_languages_do_not_load_models_late() -> None:
    """Every model is loaded with the detector: texts in languages not seen before
    add nothing (loaded lazily, a 1M-row ingest grew by ~90 MB halfway through)."""
    identifier = LanguageIdentifier()
    identifier.detect(["The parcel came three days late and nobody answers."])
    release_free_memory()
    before = _rss_mb()
    for n in range(3):  # each text alone, twice as long, then three times: every order
        found = identifier.detect([" ".join([text] * (n + 1)) for text in TEXTS])
        assert len(found) == len(TEXTS)
    release_free_memory()
    assert _rss_mb() - before < 25
