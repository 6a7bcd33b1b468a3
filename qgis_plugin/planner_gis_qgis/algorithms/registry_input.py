"""The team-registry input shared by ``audit`` and ``reach``: the file, its date and its column names."""

from __future__ import annotations

from qgis.core import QgsProcessingParameterFile, QgsProcessingParameterString

from .inputs import file_argument

REGISTRY = "REGISTRY"
AS_OF = "AS_OF"
#: Parameter name -> the command's option naming the column of that registry field.
COLUMN_PARAMETERS = {
    "TEAM_ID_COLUMN": "--team-id-column",
    "UNIT_ID_COLUMN": "--unit-id-column",
    "ROLE_COLUMN": "--role-column",
    "START_DATE_COLUMN": "--start-date-column",
    "END_DATE_COLUMN": "--end-date-column",
    "TEAM_NAME_COLUMN": "--team-name-column",
}


def add_registry_parameters(alg, optional: bool = False, description: str = "") -> None:
    """The REGISTRY file and the optional column names (for headers the library does not recognise)."""
    alg.addParameter(QgsProcessingParameterFile(
        REGISTRY, description or alg.tr("Team registry (CSV or Excel)"), behavior=QgsProcessingParameterFile.File,
        fileFilter="Tables (*.csv *.xlsx *.xlsm *.xls *.tsv *.txt);;All files (*.*)", optional=optional))
    labels = {
        "TEAM_ID_COLUMN": alg.tr("Registry column of the team id (default: team_id, 团队编号 ...)"),
        "UNIT_ID_COLUMN": alg.tr("Registry column of the unit id (default: unit_id, 单元编码 ...)"),
        "ROLE_COLUMN": alg.tr("Registry column of the role (default: role, 角色 ...)"),
        "START_DATE_COLUMN": alg.tr("Registry column of the contract start (default: start_date, 开始日期 ...)"),
        "END_DATE_COLUMN": alg.tr("Registry column of the contract end (default: end_date, 结束日期 ...)"),
        "TEAM_NAME_COLUMN": alg.tr("Registry column of the team name (default: team_name, 团队名称 ...)"),
    }
    for name in COLUMN_PARAMETERS:
        param = QgsProcessingParameterString(name, labels[name], optional=True)
        param.setFlags(param.flags() | param.FlagAdvanced)
        alg.addParameter(param)


def as_of_argument(alg, parameters, context) -> list:
    """``--as-of YYYY-MM-DD`` when a date is given."""
    if parameters.get(AS_OF) in (None, ""):
        return []
    value = alg.parameterAsDateTime(parameters, AS_OF, context)
    if value.isValid():
        return ["--as-of", value.date().toString("yyyy-MM-dd")]
    return ["--as-of", str(parameters[AS_OF])]  # the command reports a malformed date


def registry_arguments(alg, parameters, context, required: bool) -> list:
    """``--teams FILE --as-of DATE --team-id-column ...`` from the parameters."""
    args: list = []
    path = file_argument(alg, parameters, REGISTRY, context)
    if path is None:
        return []  # optional and not given (a required file is refused by Processing itself)
    alg.use(args, "--teams", path)
    for name, option in COLUMN_PARAMETERS.items():
        alg.use(args, option, alg.parameterAsString(parameters, name, context))
    return args + as_of_argument(alg, parameters, context)
