"""Hand-set facts about Mexican places that the packaged tables do not carry.

The reference table gives the 32 entities with their codes; a plausible world also
needs short Spanish names for the state governments, a few municipalities per
state (where police units sit and weapons are seized) with the approximate
coordinates of their seats, and rough weights for where licensed weapons go and
where crime guns turn up. The weights are deliberately coarse (population for
end users; seizure intensity for recoveries): they shape the synthetic world and
are not statistics to quote.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality seat with approximate WGS 84 coordinates."""

    name: str
    lat: float
    lon: float


def _m(name: str, lat: float, lon: float) -> Municipality:
    return Municipality(name, lat, lon)


# Short names used in "Gobierno del Estado de ..." (INEGI names are the long
# official ones, e.g. "Michoacán de Ocampo").
SHORT_NAMES: dict[str, str] = {
    "MX-AGU": "Aguascalientes", "MX-BCN": "Baja California", "MX-BCS": "Baja California Sur",
    "MX-CAM": "Campeche", "MX-COA": "Coahuila", "MX-COL": "Colima", "MX-CHP": "Chiapas",
    "MX-CHH": "Chihuahua", "MX-CMX": "Ciudad de México", "MX-DUR": "Durango",
    "MX-GUA": "Guanajuato", "MX-GRO": "Guerrero", "MX-HID": "Hidalgo", "MX-JAL": "Jalisco",
    "MX-MEX": "México", "MX-MIC": "Michoacán", "MX-MOR": "Morelos", "MX-NAY": "Nayarit",
    "MX-NLE": "Nuevo León", "MX-OAX": "Oaxaca", "MX-PUE": "Puebla", "MX-QUE": "Querétaro",
    "MX-ROO": "Quintana Roo", "MX-SLP": "San Luis Potosí", "MX-SIN": "Sinaloa",
    "MX-SON": "Sonora", "MX-TAB": "Tabasco", "MX-TAM": "Tamaulipas", "MX-TLA": "Tlaxcala",
    "MX-VER": "Veracruz", "MX-YUC": "Yucatán", "MX-ZAC": "Zacatecas",
}

# Abbreviations officers use in case numbers ("AP/PGR/MICH/...").
CASE_ABBREVIATIONS: dict[str, str] = {
    "MX-AGU": "AGS", "MX-BCN": "BC", "MX-BCS": "BCS", "MX-CAM": "CAMP", "MX-COA": "COAH",
    "MX-COL": "COL", "MX-CHP": "CHIS", "MX-CHH": "CHIH", "MX-CMX": "CDMX", "MX-DUR": "DGO",
    "MX-GUA": "GTO", "MX-GRO": "GRO", "MX-HID": "HGO", "MX-JAL": "JAL", "MX-MEX": "MEX",
    "MX-MIC": "MICH", "MX-MOR": "MOR", "MX-NAY": "NAY", "MX-NLE": "NL", "MX-OAX": "OAX",
    "MX-PUE": "PUE", "MX-QUE": "QRO", "MX-ROO": "QROO", "MX-SLP": "SLP", "MX-SIN": "SIN",
    "MX-SON": "SON", "MX-TAB": "TAB", "MX-TAM": "TAMPS", "MX-TLA": "TLAX", "MX-VER": "VER",
    "MX-YUC": "YUC", "MX-ZAC": "ZAC",
}

MUNICIPALITIES: dict[str, tuple[Municipality, ...]] = {
    "MX-AGU": (_m("Aguascalientes", 21.88, -102.29), _m("Jesús María", 21.96, -102.34),
               _m("Calvillo", 21.85, -102.72), _m("Rincón de Romos", 22.23, -102.32)),
    "MX-BCN": (_m("Tijuana", 32.48, -116.95), _m("Mexicali", 32.58, -115.45),
               _m("Ensenada", 31.87, -116.58), _m("Tecate", 32.54, -116.62)),
    "MX-BCS": (_m("La Paz", 24.10, -110.30), _m("Los Cabos", 23.10, -109.72),
               _m("Comondú", 25.03, -111.66), _m("Mulegé", 27.30, -112.30)),
    "MX-CAM": (_m("Campeche", 19.82, -90.50), _m("Carmen", 18.40, -91.40),
               _m("Champotón", 19.33, -90.68), _m("Escárcega", 18.61, -90.74)),
    "MX-COA": (_m("Saltillo", 25.42, -101.00), _m("Torreón", 25.54, -103.41),
               _m("Monclova", 26.91, -101.42), _m("Piedras Negras", 28.65, -100.58)),
    "MX-COL": (_m("Colima", 19.24, -103.72), _m("Manzanillo", 19.08, -104.28),
               _m("Tecomán", 18.93, -103.86), _m("Villa de Álvarez", 19.27, -103.74)),
    "MX-CHP": (_m("Tuxtla Gutiérrez", 16.75, -93.12), _m("Tapachula", 14.95, -92.25),
               _m("San Cristóbal de las Casas", 16.74, -92.64),
               _m("Comitán de Domínguez", 16.25, -92.13)),
    "MX-CHH": (_m("Juárez", 31.65, -106.42), _m("Chihuahua", 28.63, -106.07),
               _m("Cuauhtémoc", 28.41, -106.87), _m("Hidalgo del Parral", 26.93, -105.66)),
    "MX-CMX": (_m("Cuauhtémoc", 19.43, -99.15), _m("Iztapalapa", 19.36, -99.06),
               _m("Gustavo A. Madero", 19.48, -99.11), _m("Tlalpan", 19.29, -99.17)),
    "MX-DUR": (_m("Durango", 24.02, -104.66), _m("Gómez Palacio", 25.57, -103.50),
               _m("Lerdo", 25.54, -103.52), _m("Santiago Papasquiaro", 25.04, -105.42)),
    "MX-GUA": (_m("León", 21.12, -101.68), _m("Irapuato", 20.67, -101.35),
               _m("Celaya", 20.52, -100.81), _m("Salamanca", 20.57, -101.19)),
    "MX-GRO": (_m("Acapulco de Juárez", 16.90, -99.85), _m("Chilpancingo de los Bravo", 17.55,
               -99.50), _m("Iguala de la Independencia", 18.35, -99.54),
               _m("Zihuatanejo de Azueta", 17.68, -101.52)),
    "MX-HID": (_m("Pachuca de Soto", 20.12, -98.73), _m("Tulancingo de Bravo", 20.08, -98.37),
               _m("Tula de Allende", 20.05, -99.34), _m("Huejutla de Reyes", 21.14, -98.42)),
    "MX-JAL": (_m("Guadalajara", 20.67, -103.35), _m("Zapopan", 20.72, -103.39),
               _m("San Pedro Tlaquepaque", 20.64, -103.31), _m("Lagos de Moreno", 21.36, -101.93)),
    "MX-MEX": (_m("Ecatepec de Morelos", 19.60, -99.05), _m("Toluca", 19.29, -99.66),
               _m("Nezahualcóyotl", 19.40, -99.01), _m("Naucalpan de Juárez", 19.48, -99.24)),
    "MX-MIC": (_m("Morelia", 19.70, -101.19), _m("Uruapan", 19.41, -102.06),
               _m("Apatzingán", 19.09, -102.35), _m("Lázaro Cárdenas", 18.00, -102.18),
               _m("Zamora", 19.98, -102.28)),
    "MX-MOR": (_m("Cuernavaca", 18.92, -99.23), _m("Cuautla", 18.81, -98.95),
               _m("Jiutepec", 18.88, -99.18), _m("Temixco", 18.85, -99.23)),
    "MX-NAY": (_m("Tepic", 21.50, -104.89), _m("Bahía de Banderas", 20.80, -105.20),
               _m("Santiago Ixcuintla", 21.81, -105.21), _m("Compostela", 21.24, -104.90)),
    "MX-NLE": (_m("Monterrey", 25.67, -100.31), _m("Guadalupe", 25.68, -100.26),
               _m("Apodaca", 25.78, -100.19), _m("San Nicolás de los Garza", 25.74, -100.30)),
    "MX-OAX": (_m("Oaxaca de Juárez", 17.06, -96.72), _m("Juchitán de Zaragoza", 16.45, -95.02),
               _m("Salina Cruz", 16.20, -95.20), _m("San Juan Bautista Tuxtepec", 18.09, -96.12)),
    "MX-PUE": (_m("Puebla", 19.04, -98.21), _m("Tehuacán", 18.46, -97.39),
               _m("San Martín Texmelucan", 19.28, -98.43), _m("Atlixco", 18.91, -98.44)),
    "MX-QUE": (_m("Querétaro", 20.59, -100.39), _m("San Juan del Río", 20.39, -99.99),
               _m("Corregidora", 20.54, -100.44), _m("El Marqués", 20.65, -100.27)),
    "MX-ROO": (_m("Benito Juárez", 21.13, -86.88), _m("Othón P. Blanco", 18.52, -88.32),
               _m("Solidaridad", 20.63, -87.10), _m("Felipe Carrillo Puerto", 19.58, -88.05)),
    "MX-SLP": (_m("San Luis Potosí", 22.15, -100.98),
               _m("Soledad de Graciano Sánchez", 22.18, -100.94),
               _m("Ciudad Valles", 21.99, -99.01), _m("Matehuala", 23.65, -100.64)),
    "MX-SIN": (_m("Culiacán", 24.80, -107.39), _m("Mazatlán", 23.25, -106.40),
               _m("Ahome", 25.79, -108.99), _m("Guasave", 25.57, -108.47)),
    "MX-SON": (_m("Hermosillo", 29.07, -110.96), _m("Cajeme", 27.49, -109.94),
               _m("Nogales", 31.28, -110.94), _m("San Luis Río Colorado", 32.43, -114.77),
               _m("Navojoa", 27.08, -109.44)),
    "MX-TAB": (_m("Centro", 17.99, -92.93), _m("Cárdenas", 18.00, -93.38),
               _m("Comalcalco", 18.26, -93.22), _m("Macuspana", 17.76, -92.60)),
    "MX-TAM": (_m("Reynosa", 26.05, -98.30), _m("Matamoros", 25.85, -97.52),
               _m("Nuevo Laredo", 27.45, -99.52), _m("Victoria", 23.74, -99.15),
               _m("Tampico", 22.26, -97.88)),
    "MX-TLA": (_m("Tlaxcala", 19.32, -98.24), _m("Apizaco", 19.41, -98.14),
               _m("Huamantla", 19.31, -97.92), _m("Chiautempan", 19.31, -98.19)),
    "MX-VER": (_m("Veracruz", 19.15, -96.16), _m("Xalapa", 19.54, -96.91),
               _m("Coatzacoalcos", 18.12, -94.45), _m("Córdoba", 18.88, -96.93),
               _m("Poza Rica de Hidalgo", 20.53, -97.46)),
    "MX-YUC": (_m("Mérida", 20.97, -89.62), _m("Kanasín", 20.93, -89.56),
               _m("Valladolid", 20.69, -88.20), _m("Tizimín", 21.14, -88.15)),
    "MX-ZAC": (_m("Zacatecas", 22.77, -102.58), _m("Fresnillo", 23.17, -102.87),
               _m("Guadalupe", 22.75, -102.52), _m("Jerez", 22.65, -103.00)),
}

# Rough population shares (millions, 2020 census rounded): how licensed weapons
# are spread over state governments as end users.
POPULATION: dict[str, float] = {
    "MX-AGU": 1.4, "MX-BCN": 3.8, "MX-BCS": 0.8, "MX-CAM": 0.9, "MX-COA": 3.1, "MX-COL": 0.7,
    "MX-CHP": 5.5, "MX-CHH": 3.7, "MX-CMX": 9.2, "MX-DUR": 1.8, "MX-GUA": 6.2, "MX-GRO": 3.5,
    "MX-HID": 3.1, "MX-JAL": 8.3, "MX-MEX": 17.0, "MX-MIC": 4.7, "MX-MOR": 2.0, "MX-NAY": 1.2,
    "MX-NLE": 5.8, "MX-OAX": 4.1, "MX-PUE": 6.6, "MX-QUE": 2.4, "MX-ROO": 1.9, "MX-SLP": 2.8,
    "MX-SIN": 3.0, "MX-SON": 2.9, "MX-TAB": 2.4, "MX-TAM": 3.5, "MX-TLA": 1.3, "MX-VER": 8.1,
    "MX-YUC": 2.3, "MX-ZAC": 1.6,
}

# Coarse seizure intensity, hand-set from the drug-war geography (border and
# Pacific trafficking states high): where never-licensed crime guns turn up.
SEIZURE_WEIGHT: dict[str, float] = {
    "MX-AGU": 0.5, "MX-BCN": 5.0, "MX-BCS": 0.6, "MX-CAM": 0.4, "MX-COA": 2.5, "MX-COL": 1.5,
    "MX-CHP": 1.0, "MX-CHH": 7.0, "MX-CMX": 3.0, "MX-DUR": 2.5, "MX-GUA": 4.0, "MX-GRO": 5.0,
    "MX-HID": 0.8, "MX-JAL": 5.0, "MX-MEX": 3.5, "MX-MIC": 6.0, "MX-MOR": 1.5, "MX-NAY": 1.2,
    "MX-NLE": 3.5, "MX-OAX": 1.0, "MX-PUE": 1.2, "MX-QUE": 0.5, "MX-ROO": 1.0, "MX-SLP": 1.2,
    "MX-SIN": 7.0, "MX-SON": 4.5, "MX-TAB": 0.8, "MX-TAM": 7.0, "MX-TLA": 0.3, "MX-VER": 2.5,
    "MX-YUC": 0.2, "MX-ZAC": 2.0,
}
