"""Makers, models, calibres and serial formats of the simulated world.

Licensed exports to Mexico come from a dozen U.S. makers with recognisable
products (M4 carbines, AR-15 pattern rifles, 9 mm and .38 Super pistols, a few
.50 BMG rifles). Crime guns are mostly NOT those licensed weapons: U.S. retail
sales of the same makers (same serial series, numbers between the licensed
batches), imported AK-pattern rifles and pistols, and foreign makes. Prices are
rough government unit prices; the .50 BMG rifles are deliberately above the
usual $600-$2,500 band because that is what they cost.

Two fictional U.S. distributors are included as exporters of record; their
names are invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from armstrace.simulate.serials import SerialFormat, fmt


@dataclass(frozen=True, slots=True)
class Maker:
    """A manufacturer as a party (when it exports) and as officers write it."""

    key: str
    party_id: str
    name: str
    country: str
    aliases: tuple[str, ...]
    exports: bool = True


@dataclass(frozen=True, slots=True)
class Model:
    """A product line: what is marked on the weapon and how it is serialised."""

    maker: str
    name: str
    calibre: str
    weapon_type: str
    serial: SerialFormat
    family: str  # "ar", "ak", "pistol", ... drives loose model names
    automatic: bool = False  # select-fire stays on the USML after March 2020
    price: tuple[int, int] = (600, 2500)
    years: tuple[int, int] = (1990, 2030)
    licence_weight: float = 0.0
    retail_weight: float = 0.0
    loose: tuple[str, ...] = ()


MAKERS: dict[str, Maker] = {
    m.key: m
    for m in (
        Maker("COLT", "P-US-COLT", "Colt's Manufacturing Company LLC", "US",
              ("COLT", "COLT'S MFG CO", "COLTS MFG", "COLT'S MANUFACTURING", "COLT DEFENSE")),
        Maker("SW", "P-US-SW", "Smith & Wesson Inc.", "US",
              ("S&W", "SMITH AND WESSON", "SMITH & WESSON", "SMITH&WESSON", "S & W")),
        Maker("SIG", "P-US-SIG", "Sig Sauer Inc.", "US",
              ("SIG-SAUER", "SIGARMS", "SIG", "SIG SAUER", "SIG ARMS")),
        Maker("FN", "P-US-FN", "FN America LLC", "US",
              ("FN HERSTAL", "FABRIQUE NATIONALE", "FN", "FNH USA", "F.N.")),
        Maker("BUSH", "P-US-BUSH", "Bushmaster Firearms International LLC", "US",
              ("BUSHMASTER FIREARMS", "BUSHMASTER", "BUSH MASTER", "BUSHMASTER FIREARMS INC")),
        Maker("RUGER", "P-US-RUGER", "Sturm, Ruger & Co. Inc.", "US",
              ("RUGER", "STURM RUGER", "STURM, RUGER & CO", "STURM RUGER & CO")),
        Maker("REM", "P-US-REM", "Remington Arms Company LLC", "US",
              ("REMINGTON", "REMINGTON ARMS", "REM", "REMINGTON ARMS CO")),
        Maker("BER", "P-US-BER", "Beretta USA Corp.", "US",
              ("BERETTA", "BERETTA USA", "BERETTA U.S.A.", "P. BERETTA")),
        Maker("BAR", "P-US-BAR", "Barrett Firearms Manufacturing Inc.", "US",
              ("BARRETT", "BARRET", "BARRETT FIREARMS", "BARRETT MFG")),
        Maker("SPR", "P-US-SPR", "Springfield Armory Inc.", "US",
              ("SPRINGFIELD", "SPRINGFIELD ARMORY", "SPRINGFIELD ARMORY USA", "SPRINGFIELD INC")),
        Maker("ARM", "P-US-ARMALITE", "ArmaLite Inc.", "US",
              ("ARMALITE", "ARMA LITE", "ARMALITE INC")),
        Maker("DD", "P-US-DD", "Daniel Defense LLC", "US",
              ("DANIEL DEFENSE", "DANIEL DEF.", "DANIEL DEFENSE INC")),
        # Never exported under licence in this world: crime-gun makes.
        Maker("ROMARM", "", "Romarm S.A. (Cugir)", "RO",
              ("CUGIR", "ROMARM", "CENTURY ARMS", "CENTURY INTERNATIONAL ARMS", "CAI"), False),
        Maker("NORINCO", "", "Norinco", "CN", ("NORINCO", "CHINA NORTH INDUSTRIES"), False),
        Maker("GLOCK", "", "Glock Ges.m.b.H.", "AT", ("GLOCK", "GLOCK INC", "GLOCK AUSTRIA"), False),
        Maker("TAURUS", "", "Forjas Taurus S.A.", "BR", ("TAURUS", "FORJAS TAURUS"), False),
        Maker("BER_IT", "", "Fabbrica d'Armi Pietro Beretta S.p.A.", "IT",
              ("BERETTA", "PIETRO BERETTA", "P. BERETTA", "BERETTA ITALY"), False),
        Maker("ZASTAVA", "", "Zastava Oružje", "RS", ("ZASTAVA", "ZASTAVA ARMS"), False),
        Maker("LLAMA", "", "Llama Gabilondo y Cía.", "ES", ("LLAMA", "GABILONDO"), False),
        Maker("IZH", "", "Izhmash", "RU", ("IZHMASH", "KALASHNIKOV", "IZH"), False),
        Maker("ANDERSON", "", "Anderson Manufacturing", "US",
              ("ANDERSON", "ANDERSON MFG", "ANDERSON MANUFACTURING"), False),
        Maker("HIPOINT", "", "Hi-Point Firearms", "US", ("HI-POINT", "HI POINT", "HIPOINT"), False),
    )
}

# Fictional distributors that export several makers' weapons under their own licences.
DISTRIBUTORS: tuple[tuple[str, str], ...] = (
    ("P-US-LSDE", "Lone Star Defense Exports LLC"),
    ("P-US-GCAE", "Gulf Coast Arms Export Co."),
)

AR = ("AR15", "AR-15", "RIFLE AR-15", "AR 15", "FUSIL AR-15", "TIPO AR-15")
AK = ("AK-47", "AK 47", "CUERNO DE CHIVO", "TIPO AK", "FUSIL AK-47", "R.P.K.")

_LE = fmt("LE6", "LE", 6)
_US = fmt("US6", "US", 6, style="rollover")
_D6 = fmt("D6", "", 6)  # pure digits shared by Remington, Springfield and Zastava

MODELS: tuple[Model, ...] = (
    Model("COLT", "M4 Carbine", "5.56x45mm", "carbine", _LE, "ar", True, (1100, 1500),
          licence_weight=14, retail_weight=3,
          loose=("M4", "M-4", "CARABINA M4", "M4A1", "RIFLE M4", *AR)),
    Model("COLT", "M16A2", "5.56x45mm", "rifle", _LE, "ar", True, (900, 1200), (1990, 2012),
          licence_weight=3, loose=("M16", "M-16", "M16A2", "FUSIL M-16", *AR)),
    Model("COLT", "Government 1911 .38 Super", ".38 Super", "pistol", fmt("38SS", "38SS", 5),
          "pistol", price=(900, 1300), licence_weight=3, retail_weight=6,
          loose=("GOVERNMENT", "1911", "SUPER", "COLT 38", "PISTOLA 1911")),
    Model("SW", "M&P15", "5.56x45mm", "rifle", fmt("SM", "SM", 6, style="rollover"), "ar",
          price=(700, 1000), years=(2006, 2030), licence_weight=8, retail_weight=5,
          loose=("MP15", "M&P 15", "M P 15", *AR)),
    Model("SW", "M&P9", "9x19mm", "pistol", fmt("HSK", "HSK", 4, style="rollover"), "pistol",
          price=(600, 700), years=(2006, 2030), licence_weight=6, retail_weight=6,
          loose=("MP9", "M&P", "M P 9", "M&P 9MM")),
    Model("SW", "M&P40", ".40 S&W", "pistol", fmt("RAH", "RAH", 4, style="rollover"), "pistol",
          price=(600, 700), years=(2006, 2030), licence_weight=2, retail_weight=2,
          loose=("MP40", "M&P", "M&P 40")),
    Model("SIG", "SIG516", "5.56x45mm", "rifle", fmt("SV", "SV", 5, style="rollover"), "ar",
          price=(1300, 1800), years=(2010, 2030), licence_weight=5,
          loose=("516", "SIG 516", "SG516", *AR)),
    Model("SIG", "P226", "9x19mm", "pistol", fmt("U6", "U", 6, style="rollover"), "pistol",
          price=(800, 1000), licence_weight=4, retail_weight=2, loose=("P-226", "P 226", "226")),
    Model("SIG", "SIG MCX", "5.56x45mm", "rifle", fmt("63A", "63A", 6), "ar",
          price=(1600, 2200), years=(2015, 2030), licence_weight=2, loose=("MCX", *AR)),
    Model("SIG", "P320", "9x19mm", "pistol", fmt("58A", "58A", 6), "pistol",
          price=(600, 750), years=(2015, 2030), licence_weight=3, retail_weight=2,
          loose=("P-320", "P 320", "320")),
    Model("FN", "SCAR 16S", "5.56x45mm", "rifle", fmt("LC", "LC", 5, style="rollover"), "scar",
          price=(2000, 2500), years=(2009, 2030), licence_weight=3, retail_weight=1,
          loose=("SCAR", "SCAR-16", "SCAR 16", "FUSIL SCAR")),
    Model("FN", "FNC", "5.56x45mm", "rifle", fmt("FN6", "FN", 6), "fnc", True, (1000, 1400),
          (1990, 2015), licence_weight=2, loose=("F.N.C.", "FNC", "FUSIL FNC")),
    Model("FN", "P90", "5.7x28mm", "submachine gun", fmt("FN6", "FN", 6), "p90", True,
          (1500, 2500), licence_weight=1, loose=("P-90", "P 90", "SUBAMETRALLADORA P90")),
    Model("FN", "Five-seveN", "5.7x28mm", "pistol", fmt("386", "386", 6), "pistol",
          price=(900, 1200), licence_weight=3, retail_weight=5,
          loose=("FIVE SEVEN", "FIVE-SEVEN", "5-7", "FIVESEVEN", "MATAPOLICIAS")),
    Model("BUSH", "XM15-E2S", ".223 Rem", "rifle", fmt("L6", "L", 6), "ar", price=(800, 1100),
          years=(1995, 2011), licence_weight=7, retail_weight=6,
          loose=("XM15", "XM-15", "XM 15", *AR)),
    Model("BUSH", "XM-15 Patrolman", ".223 Rem", "rifle", fmt("BFI", "BFI", 6), "ar",
          price=(800, 1100), years=(2011, 2020), licence_weight=4, retail_weight=4,
          loose=("XM15", "XM-15", "PATROLMAN", *AR)),
    Model("RUGER", "Mini-14", ".223 Rem", "rifle",
          fmt("R196", "", 5, style="block", block_start=196), "mini14", price=(600, 900),
          licence_weight=5, retail_weight=4, loose=("MINI 14", "MINI-14", "MINI14", "RANCH RIFLE")),
    Model("RUGER", "Mini-30", "7.62x39mm", "rifle",
          fmt("R189", "", 5, style="block", block_start=189), "mini14", price=(650, 950),
          licence_weight=1, retail_weight=2, loose=("MINI 30", "MINI-30")),
    Model("RUGER", "P95", "9x19mm", "pistol",
          fmt("R312", "", 5, style="block", block_start=312), "pistol", price=(600, 650),
          years=(1995, 2014), licence_weight=2, retail_weight=3, loose=("P-95", "P 95")),
    Model("REM", "700P", ".308 Win", "rifle", _D6, "bolt", price=(1000, 1400),
          licence_weight=2, retail_weight=1, loose=("700", "M700", "MOD. 700", "RIFLE 700")),
    Model("REM", "870 Police", "12 GA", "shotgun", fmt("RS", "RS", 5, suffix="W"), "shotgun",
          price=(600, 800), licence_weight=3, retail_weight=2,
          loose=("870", "MOD. 870", "ESCOPETA 870", "870 POLICE")),
    Model("BER", "92FS", "9x19mm", "pistol", fmt("BER", "BER", 6), "pistol", price=(600, 750),
          licence_weight=5, retail_weight=3, loose=("92 FS", "92-FS", "92F", "PISTOLA 92F")),
    Model("BER", "PX4 Storm", "9x19mm", "pistol", fmt("PX", "PX", 5, style="rollover"),
          "pistol", price=(600, 700), years=(2005, 2030), licence_weight=2, retail_weight=1,
          loose=("PX4", "PX-4", "STORM")),
    Model("BAR", "M82A1", ".50 BMG", "rifle", fmt("D5", "", 5), "fifty", price=(8000, 9500),
          licence_weight=0.6, retail_weight=0.6,
          loose=("M82", "BARRETT .50", "RIFLE CAL .50", "M-82", "82A1")),
    Model("BAR", "M107A1", ".50 BMG", "rifle", fmt("D5", "", 5), "fifty", price=(9000, 9500),
          years=(2012, 2030), licence_weight=0.3, loose=("M107", "M-107", "BARRETT .50")),
    Model("SPR", "M1A", "7.62x51mm", "rifle", _D6, "bolt", price=(1500, 1900),
          licence_weight=1, retail_weight=1, loose=("M1-A", "M 1 A", "M14", "FUSIL M1A")),
    Model("SPR", "XD-9", "9x19mm", "pistol", _US, "pistol", price=(600, 700),
          years=(2002, 2030), licence_weight=3, retail_weight=4, loose=("XD", "XD9", "XD 9")),
    Model("SPR", "1911-A1 .38 Super", ".38 Super", "pistol", fmt("N6", "N", 6, style="rollover"),
          "pistol", price=(800, 1100), licence_weight=2, retail_weight=4,
          loose=("1911", "1911A1", "PISTOLA 1911", "SUPER")),
    Model("ARM", "AR-10", "7.62x51mm", "rifle", _US, "ar10", price=(1400, 1900),
          licence_weight=1, retail_weight=1, loose=("AR10", "AR 10", "AR-10")),
    Model("ARM", "M-15A4", "5.56x45mm", "rifle", _US, "ar", price=(900, 1200),
          licence_weight=2, retail_weight=1, loose=("M15", "M-15", *AR)),
    Model("DD", "DDM4 V7", "5.56x45mm", "rifle", fmt("DDM", "DDM", 7), "ar",
          price=(1500, 2000), years=(2012, 2030), licence_weight=2, retail_weight=2,
          loose=("DDM4", "DDM4V7", "DANIEL", *AR)),
    # Crime-gun makes never exported under licence in this world.
    Model("ROMARM", "WASR-10", "7.62x39mm", "rifle", fmt("AE4", "AE", 4, style="rollover"), "ak",
          retail_weight=14, loose=("WASR", "WASR 10", *AK)),
    Model("NORINCO", "MAK-90", "7.62x39mm", "rifle", fmt("D7", "", 7), "ak", retail_weight=5,
          loose=("MAK 90", "MAK90", *AK)),
    Model("GLOCK", "Glock 17", "9x19mm", "pistol", fmt("GLK", "AAA", 3, style="rollover"),
          "pistol", retail_weight=7, loose=("17", "G17", "GLOCK", "MOD. 17")),
    Model("GLOCK", "Glock 22", ".40 S&W", "pistol", fmt("GLK", "AAA", 3, style="rollover"),
          "pistol", retail_weight=3, loose=("22", "G22", "GLOCK")),
    Model("TAURUS", "PT92", "9x19mm", "pistol", fmt("TAW", "TAW", 5, style="rollover"),
          "pistol", retail_weight=4, loose=("PT-92", "PT 92", "92")),
    Model("TAURUS", "PT1911", ".38 Super", "pistol", fmt("NCO", "NCO", 5, style="rollover"),
          "pistol", retail_weight=3, loose=("1911", "PT 1911", "SUPER")),
    Model("BER_IT", "92FS", "9x19mm", "pistol", fmt("DZ", "D", 5, suffix="Z"), "pistol",
          retail_weight=3, loose=("92 FS", "92F", "PISTOLA 92F")),
    Model("ZASTAVA", "M70", "7.62x39mm", "rifle", _D6, "ak", retail_weight=3,
          loose=("M-70", "M 70", *AK)),
    Model("LLAMA", "Mod. VIII", ".38 Super", "pistol", fmt("D7", "", 7), "pistol",
          retail_weight=2, loose=("VIII", "MOD 8", "SUPER")),
    Model("IZH", "AKM", "7.62x39mm", "rifle", fmt("KT", "KT", 4, style="rollover"), "ak",
          retail_weight=3, loose=("AKM", *AK)),
    Model("ANDERSON", "AM-15", ".223 Rem", "rifle", fmt("D8", "", 8), "ar", retail_weight=5,
          loose=("AM15", "AM 15", *AR)),
    Model("HIPOINT", "C9", "9x19mm", "pistol", fmt("P7", "P", 7), "pistol", retail_weight=2,
          loose=("C-9", "C 9")),
)

LICENSABLE: tuple[Model, ...] = tuple(m for m in MODELS if m.licence_weight > 0)
RETAIL: tuple[Model, ...] = tuple(m for m in MODELS if m.retail_weight > 0)
EXPORTING_MAKERS: tuple[Maker, ...] = tuple(m for m in MAKERS.values() if m.exports)


def models_for_year(year: int) -> list[Model]:
    """Licensable models on the market in a given year."""
    return [m for m in LICENSABLE if m.years[0] <= year <= m.years[1]]
