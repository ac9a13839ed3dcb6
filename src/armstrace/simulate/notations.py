"""How officers actually write calibres, weapon types, serials and notes.

Seizure records are typed by hand, often in Spanish, in whatever notation the
officer knows: ".223" for a 5.56 mm rifle, "11.43 MM" for a .45, "CUERNO DE
CHIVO" for anything AK-shaped. These tables feed the damage model so that the
recorded text is as varied as real lists are.
"""

from __future__ import annotations

CALIBRE_NOTATIONS: dict[str, tuple[str, ...]] = {
    "5.56x45mm": (".223", "5.56X45", "CAL. 5.56 MM", "5,56", "5.56 MM", "CAL 5.56", "5.56",
                  "5.56 NATO", "CAL. .223", "5.56X45MM"),
    ".223 Rem": (".223", "223", "CAL .223", "5.56", "5.56X45", ".223 REM", "CAL. 5.56 MM"),
    "9x19mm": ("9MM", "9X19", "9 MM", "CAL. 9 MM", "9MM LUGER", "9 MM PARABELLUM", "9X19MM",
               "CAL 9MM", "9"),
    ".38 Super": (".38 SUPER", "CAL .38", "38 SUPER", ".38 SUP", "CAL. .38 SUPER AUTO", ".38",
                  "38 SUPER AUTO", "SUPER .38"),
    ".40 S&W": (".40", "40 S&W", "CAL .40", ".40 SW", "10MM CORTO"),
    "5.7x28mm": ("5.7X28", "5.7", "CAL 5.7 MM", "5,7X28", "5.7 MM", "5.7X28MM"),
    "7.62x39mm": ("7.62X39", "7.62", "CAL. 7.62 MM", "7,62X39", "7.62 MM", "CAL 7.62X39"),
    "7.62x51mm": ("7.62X51", ".308", "7.62 NATO", "308 WIN", "CAL. 7.62 MM", "7.62"),
    ".308 Win": (".308", "308", "7.62X51", "CAL .308", "308 WIN", "7.62 NATO"),
    ".50 BMG": (".50", "CAL .50", "12.7X99", "50 BMG", "CAL. .50 BARRETT", ".50 CAL", "12.7 MM"),
    ".45 ACP": (".45", "CAL .45", "45 AUTO", "11.43 MM", "CAL. .45 ACP", "45"),
    "12 GA": ("CAL. 12", "12 GAUGE", "CAL 12 GA", "CALIBRE 12", "12", "12GA"),
}

WEAPON_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "rifle": ("FUSIL", "RIFLE", "ARMA LARGA", "rifle"),
    "carbine": ("CARABINA", "FUSIL", "RIFLE", "carbine"),
    "pistol": ("PISTOLA", "ARMA CORTA", "PISTOLA SEMIAUTOMATICA", "pistol"),
    "shotgun": ("ESCOPETA", "ARMA LARGA", "shotgun"),
    "submachine gun": ("SUBAMETRALLADORA", "METRALLETA", "submachine gun"),
    "revolver": ("REVOLVER", "ARMA CORTA", "revolver"),
}

# What an unreadable serial is recorded as.
NOTHING_READABLE: tuple[str, ...] = (
    "ILEGIBLE", "LIMADO", "SIN NUMERO", "BORRADO", "N/A", "", "S/N", "SIN MATRICULA",
)

SERIAL_LABELS: tuple[str, ...] = ("No. ", "S/N: ", "NO. DE SERIE ", "SERIE: ", "MATRICULA ", "#")

UNREADABLE_MARKS: tuple[str, ...] = ("?", "*", "_", "#")

LOOKALIKES: dict[str, str] = {
    "O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B",
    "Z": "2", "2": "Z", "G": "6", "6": "G", "D": "0", "L": "1", "Q": "0",
}

NOTES: dict[str, tuple[str, ...]] = {
    "crime_scene": (
        "ASEGURADA EN ENFRENTAMIENTO", "ENCONTRADA EN LUGAR DE LOS HECHOS",
        "JUNTO A CASQUILLOS PERCUTIDOS", "PUESTA A DISPOSICION DEL MP",
        "SE ENCONTRO ABANDONADA EN VEHICULO", "CON CARGADOR ABASTECIDO",
    ),
    "checkpoint": (
        "PUNTO DE REVISION CARRETERO", "OCULTA EN DOBLE FONDO DE VEHICULO",
        "DETENIDO EN RETEN MILITAR", "CON CARGADOR ABASTECIDO",
    ),
    "raid": ("CATEO A DOMICILIO", "ORDEN DE CATEO", "ASEGURAMIENTO EN INMUEBLE"),
    "cache": ("ARSENAL ENTERRADO", "BODEGA CLANDESTINA", "ENTRE OTRAS ARMAS ASEGURADAS"),
    "surrender": ("CANJE DE ARMAS", "ENTREGA VOLUNTARIA", "PROGRAMA DE DESARME"),
    "other": ("HALLAZGO EN VIA PUBLICA", "SIN DATOS ADICIONALES"),
}

OBLITERATION_NOTES: tuple[str, ...] = (
    "NUMERO DE SERIE LIMADO", "MATRICULA ESMERILADA", "SERIE BORRADA PARCIALMENTE",
    "SE ENVIA A PERITAJE PARA REVELADO DE NUMERO",
)
