<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>planner_gis</name>
    <message>
      <source>Audit responsibility zones</source>
      <translation>责任片区覆盖审查</translation>
    </message>
    <message>
      <source>Crosses a layer of responsibility units (streets, townships, management areas) with a team registry (CSV or Excel: team_id, unit_id, role, start_date, end_date; Chinese headers such as 团队编号, 单元编码, 角色, 开始日期, 结束日期 are recognised, others can be named) on a date.

Outputs: the units with their status (covered, expiring, multiple_teams, unassigned) and the findings (unassigned units, expired or expiring contracts, units in the registry but not in the layer, boundary gaps and overlaps, overloaded teams), and the workload per team.

The work is done by the planner-gis command (planner-gis audit) in its own Python environment (Settings &gt; Options &gt; Processing &gt; Providers &gt; planner-gis).</source>
      <translation>在指定日期，将责任单元图层（街道、乡镇、园区）与责任规划师团队名册（CSV 或 Excel：team_id、unit_id、role、start_date、end_date；可识别“团队编号、单元编码、角色、开始日期、结束日期”等中文表头，其他表头可手动指定）进行比对。

输出：各单元的状态（已覆盖、合同将到期、多团队、未覆盖）、审查发现（未覆盖单元、已到期或将到期的合同、名册中有但图层中没有的单元、边界缝隙与重叠、超负荷团队）以及各团队工作量。

计算由 planner-gis 命令（planner-gis audit）在其独立的 Python 环境中完成（设置 &gt; 选项 &gt; 处理 &gt; 提供者 &gt; planner-gis）。</translation>
    </message>
    <message>
      <source>Responsibility units (polygons)</source>
      <translation>责任单元（面）</translation>
    </message>
    <message>
      <source>Unit id field</source>
      <translation>单元编码字段</translation>
    </message>
    <message>
      <source>Unit name field</source>
      <translation>单元名称字段</translation>
    </message>
    <message>
      <source>Unit type field</source>
      <translation>单元类型字段</translation>
    </message>
    <message>
      <source>Type of every unit, if the layer has no type field</source>
      <translation>图层无类型字段时，所有单元的类型</translation>
    </message>
    <message>
      <source>Audit date (default: today)</source>
      <translation>审查日期（默认：今天）</translation>
    </message>
    <message>
      <source>District outline (to find gaps along the edge)</source>
      <translation>区界（用于查找边缘缝隙）</translation>
    </message>
    <message>
      <source>Report contracts ending within (days)</source>
      <translation>报告在以下天数内到期的合同（天）</translation>
    </message>
    <message>
      <source>A team on more units than this is overloaded</source>
      <translation>负责单元数超过此值的团队视为超负荷</translation>
    </message>
    <message>
      <source>Ignore gaps and overlaps smaller than (m²)</source>
      <translation>忽略小于此面积的缝隙和重叠（平方米）</translation>
    </message>
    <message>
      <source>Coordinates of the units layer</source>
      <translation>单元图层的坐标系</translation>
    </message>
    <message>
      <source>Repair invalid unit polygons instead of stopping</source>
      <translation>修复无效的单元多边形而不是停止</translation>
    </message>
    <message>
      <source>Units with status</source>
      <translation>单元状态</translation>
    </message>
    <message>
      <source>Findings</source>
      <translation>审查发现</translation>
    </message>
    <message>
      <source>Workload per team (CSV)</source>
      <translation>团队工作量（CSV）</translation>
    </message>
    <message>
      <source>Number of error findings</source>
      <translation>错误类发现数</translation>
    </message>
    <message>
      <source>Number of warning findings</source>
      <translation>警告类发现数</translation>
    </message>
    <message>
      <source>Metric CRS for distances and areas (default: chosen from the data)</source>
      <translation>计算距离和面积的米制坐标系（默认：根据数据选择）</translation>
    </message>
    <message>
      <source>Folder for the command's files (CSV, GeoPackage, JSON)</source>
      <translation>命令输出文件的文件夹（CSV、GeoPackage、JSON）</translation>
    </message>
    <message>
      <source>Summary</source>
      <translation>摘要</translation>
    </message>
    <message>
      <source>cancelled by the user</source>
      <translation>已被用户取消</translation>
    </message>
    <message>
      <source>loading the results</source>
      <translation>正在加载结果</translation>
    </message>
    <message>
      <source>the output {path} would overwrite an input. Fix: choose another folder for the command's files</source>
      <translation>输出 {path} 会覆盖输入文件。解决：为命令输出文件选择其他文件夹</translation>
    </message>
    <message>
      <source>cannot read the result {uri}</source>
      <translation>无法读取结果 {uri}</translation>
    </message>
    <message>
      <source>Evaluate planner work records</source>
      <translation>责任规划师履职评估</translation>
    </message>
    <message>
      <source>Places each work record (visit, survey, meeting, review ... or 走访, 调研, 座谈, 审查 ...) in the unit its team served on that day, within a tolerance, and applies a city's rules for the year: Liaocheng (a visit every month, 30 service days, fee cut in proportion), Chongqing (service points, stars, planner + architect + engineer), Guangxi (at most 3 townships, 7 service days), Hunan (one planner per township), Beijing (annual report, rating of the authority, satisfaction, one-year contracts), or your own rules file (TOML).

Records: a point layer, or a CSV/Excel table with record_id, team_id, date, kind and lon, lat (phone apps often record GCJ-02: choose it, or give a coords column per record). The registry may carry annual_fee for the fee rules; Chongqing's rules need the people table (person_id, team_id, profession, title) and the ratings (person_id, year, satisfaction, previous_points, special_points).

Outputs: the units with their compliance and pass/fail per rule, the records with their unit and finding (outside_unit, outside_contract, unknown_team, no_location), the rule results, fees and points as CSV.

The work is done by the planner-gis command (planner-gis evaluate) in its own Python environment.</source>
      <translation>将每条工作记录（走访、调研、座谈、审查……，也可写 visit、survey、meeting、review）落到其团队当天负责、且在容差范围内包含该点的单元，再按城市规则评估全年履职：聊城（每月走访、全年30天服务、按比例扣减服务费）、重庆（服务积分、星级、规划师+建筑师+工程师）、广西（每个团队最多3个乡镇、7天服务）、湖南（一乡一师）、北京（年度述职报告、对主管部门的评价、满意度、一年一聘），或您自己的规则文件（TOML）。

工作记录：点图层，或含 record_id、team_id、date、kind 及 lon、lat 的 CSV/Excel 表（手机应用常用 GCJ-02 坐标：请选择该坐标系，或逐条给出 coords 列）。名册可含 annual_fee（年度服务费）供扣费规则使用；重庆规则需要人员表（person_id、team_id、profession、title）和评价表（person_id、year、satisfaction、previous_points、special_points）。

输出：各单元的评估结果及各规则是否达标、每条记录所在单元及问题（outside_unit、outside_contract、unknown_team、no_location）、规则结果、扣费和积分（CSV）。

计算由 planner-gis 命令（planner-gis evaluate）在其独立的 Python 环境中完成。</translation>
    </message>
    <message>
      <source>Work records: point layer</source>
      <translation>工作记录：点图层</translation>
    </message>
    <message>
      <source>... or records table (CSV or Excel with lon, lat)</source>
      <translation>……或工作记录表（含经纬度的 CSV 或 Excel）</translation>
    </message>
    <message>
      <source>Rules</source>
      <translation>评估规则</translation>
    </message>
    <message>
      <source>... or your own rules file (TOML; replaces the rules above)</source>
      <translation>……或自定义规则文件（TOML；替代上面的规则）</translation>
    </message>
    <message>
      <source>Year evaluated</source>
      <translation>评估年度</translation>
    </message>
    <message>
      <source>Team members (CSV or Excel: person_id, team_id, profession, title)</source>
      <translation>团队成员（CSV 或 Excel：person_id、team_id、profession、title）</translation>
    </message>
    <message>
      <source>Ratings (CSV or Excel: person_id, year, satisfaction, previous_points, special_points)</source>
      <translation>年度评价（CSV 或 Excel：person_id、year、satisfaction、previous_points、special_points）</translation>
    </message>
    <message>
      <source>Coordinates of the records</source>
      <translation>工作记录的坐标系</translation>
    </message>
    <message>
      <source>A record this far outside its unit still counts (m)</source>
      <translation>记录在单元外此距离内仍计入（米）</translation>
    </message>
    <message>
      <source>CRS of x, y columns of the records table</source>
      <translation>工作记录表 x、y 列的坐标参照系</translation>
    </message>
    <message>
      <source>Units by compliance</source>
      <translation>单元评估结果</translation>
    </message>
    <message>
      <source>Records with their unit and finding</source>
      <translation>工作记录（含所在单元与问题）</translation>
    </message>
    <message>
      <source>Rule results (CSV)</source>
      <translation>规则结果（CSV）</translation>
    </message>
    <message>
      <source>Record findings (CSV)</source>
      <translation>记录问题（CSV）</translation>
    </message>
    <message>
      <source>Fee deductions (CSV)</source>
      <translation>服务费扣减（CSV）</translation>
    </message>
    <message>
      <source>Service points (CSV)</source>
      <translation>服务积分（CSV）</translation>
    </message>
    <message>
      <source>Number of failed rule results</source>
      <translation>未达标的规则结果数</translation>
    </message>
    <message>
      <source>Number of record findings</source>
      <translation>记录问题数</translation>
    </message>
    <message>
      <source>give either a point layer of work records or a records table. Fix: set exactly one of RECORDS and RECORDS_FILE</source>
      <translation>请给出工作记录点图层或工作记录表之一。修正：RECORDS 与 RECORDS_FILE 只设置其中一个</translation>
    </message>
    <message>
      <source>cannot write the temporary file {path}: {error}</source>
      <translation>无法写入临时文件 {path}：{error}</translation>
    </message>
    <message>
      <source>preparing {name}: {i} of {n} features</source>
      <translation>正在准备 {name}：第 {i} 个要素，共 {n} 个</translation>
    </message>
    <message>
      <source>the raster {name} is not a file. Fix: save it as a GeoTIFF (Export &gt; Save As...) and use that</source>
      <translation>栅格 {name} 不是文件。解决：将其另存为 GeoTIFF（导出 &gt; 另存为...）后使用</translation>
    </message>
    <message>
      <source>Walking isochrones</source>
      <translation>步行等时圈</translation>
    </message>
    <message>
      <source>Areas reachable on foot within each walking distance from the points (e.g. facility entrances), along a walking network (line layer, or an OpenStreetMap .osm.pbf, .graphml or saved .npz file). Default distances are the 5/10/15-minute living circles of GB 50180-2018: 300, 500 and 1000 m.

The work is done by the planner-gis command (planner-gis isochrones) in its own Python environment.</source>
      <translation>沿步行路网（线图层，或 OpenStreetMap .osm.pbf、.graphml、已保存的 .npz 文件），从各点（如设施出入口）出发在各步行距离内可步行到达的范围。默认距离为 GB 50180-2018 的 5/10/15 分钟生活圈：300、500 和 1000 米。

计算由 planner-gis 命令（planner-gis isochrones）在其独立的 Python 环境中完成。</translation>
    </message>
    <message>
      <source>Points</source>
      <translation>点</translation>
    </message>
    <message>
      <source>Walking distances (m, comma separated)</source>
      <translation>步行距离（米，以逗号分隔）</translation>
    </message>
    <message>
      <source>Farthest snap to the network (m)</source>
      <translation>到路网的最大吸附距离（米）</translation>
    </message>
    <message>
      <source>Half-width of the band around reachable streets (m)</source>
      <translation>可达街道两侧缓冲带半宽（米）</translation>
    </message>
    <message>
      <source>Isochrones</source>
      <translation>等时圈</translation>
    </message>
    <message>
      <source>Facility catalogue CSV (default: GB 50180-2018)</source>
      <translation>设施目录 CSV（默认：GB 50180-2018）</translation>
    </message>
    <message>
      <source>Entrances of polygon facilities (park gates)</source>
      <translation>面状设施出入口（公园大门）</translation>
    </message>
    <message>
      <source>Population raster (people per cell)</source>
      <translation>人口栅格（每格人数）</translation>
    </message>
    <message>
      <source>... or population points or polygons</source>
      <translation>……或人口点或面</translation>
    </message>
    <message>
      <source>Population field</source>
      <translation>人口字段</translation>
    </message>
    <message>
      <source>give either a population raster or population points. Fix: set exactly one of POPULATION_RASTER and POPULATION_POINTS</source>
      <translation>请提供人口栅格或人口点之一。解决：POPULATION_RASTER 和 POPULATION_POINTS 只设置一个</translation>
    </message>
    <message>
      <source>Walking network: line layer</source>
      <translation>步行路网：线图层</translation>
    </message>
    <message>
      <source>... or network file (OpenStreetMap .osm.pbf, .graphml, saved .npz)</source>
      <translation>……或路网文件（OpenStreetMap .osm.pbf、.graphml、已保存的 .npz）</translation>
    </message>
    <message>
      <source>Keep only the largest connected piece of the network</source>
      <translation>仅保留路网中最大的连通部分</translation>
    </message>
    <message>
      <source>give either a walking-network line layer or a network file. Fix: set exactly one of the two (NETWORK or NETWORK_FILE)</source>
      <translation>请提供步行路网线图层或路网文件之一。解决：二者（NETWORK 或 NETWORK_FILE）只设置一个</translation>
    </message>
    <message>
      <source>Living-circle reach (5/10/15 minutes)</source>
      <translation>生活圈可达性（5/10/15 分钟）</translation>
    </message>
    <message>
      <source>For every unit and facility category, the share of residents who reach the nearest facility of that category within the walking distance of its living-circle tier (GB 50180-2018: 300 m / 500 m / 1000 m for 5 / 10 / 15 minutes, per the facility catalogue).

Inputs: a walking network (line layer, or an OpenStreetMap .osm.pbf, .graphml or saved .npz file), facilities with a category field holding catalogue categories, population as a raster (people per cell) or as points with a population field, and the units. Park gates (entrances) and a registry (to name the team of each underserved area) are optional.

Outputs: coverage (one feature per unit and category, with the share covered), the underserved areas, population and facilities off the network, and isochrones around the 15-minute-tier facilities when asked.

The work is done by the planner-gis command (planner-gis reach) in its own Python environment.</source>
      <translation>对每个单元和每类设施，计算能在其生活圈层级步行距离内到达最近该类设施的居民比例（GB 50180-2018：5/10/15 分钟对应 300/500/1000 米，以设施目录为准）。

输入：步行路网（线图层，或 OpenStreetMap .osm.pbf、.graphml、已保存的 .npz 文件）、带设施类别字段（目录中的类别）的设施、人口栅格（每格人数）或带人口字段的点，以及责任单元。公园出入口和团队名册（用于标注各服务不足区域的责任团队）为可选。

输出：覆盖率（每个单元和类别一个要素，含覆盖比例）、服务不足区域、路网外的人口和设施，以及按需生成的 15 分钟层级设施等时圈。

计算由 planner-gis 命令（planner-gis reach）在其独立的 Python 环境中完成。</translation>
    </message>
    <message>
      <source>Facilities</source>
      <translation>设施</translation>
    </message>
    <message>
      <source>Facility category field</source>
      <translation>设施类别字段</translation>
    </message>
    <message>
      <source>Facility id field</source>
      <translation>设施编号字段</translation>
    </message>
    <message>
      <source>Team registry, to name the team of each underserved area</source>
      <translation>团队名册（用于标注各服务不足区域的责任团队）</translation>
    </message>
    <message>
      <source>Registry date (default: today)</source>
      <translation>名册日期（默认：今天）</translation>
    </message>
    <message>
      <source>Draw isochrones around the 15-minute-tier facilities</source>
      <translation>绘制 15 分钟层级设施的等时圈</translation>
    </message>
    <message>
      <source>... or around these categories (comma separated)</source>
      <translation>……或以下类别的等时圈（以逗号分隔）</translation>
    </message>
    <message>
      <source>Coverage per unit and category</source>
      <translation>各单元各类设施覆盖率</translation>
    </message>
    <message>
      <source>Underserved areas</source>
      <translation>服务不足区域</translation>
    </message>
    <message>
      <source>Population and facilities off the network</source>
      <translation>路网外的人口和设施</translation>
    </message>
    <message>
      <source>Also write the what-if file (scenario.npz) into the folder for the command's files</source>
      <translation>同时在命令文件夹中写出情景分析文件（scenario.npz）</translation>
    </message>
    <message>
      <source>Team registry (CSV or Excel)</source>
      <translation>团队名册（CSV 或 Excel）</translation>
    </message>
    <message>
      <source>Registry column of the team id (default: team_id, 团队编号 ...)</source>
      <translation>名册中团队编号所在列（默认：team_id、团队编号……）</translation>
    </message>
    <message>
      <source>Registry column of the unit id (default: unit_id, 单元编码 ...)</source>
      <translation>名册中单元编码所在列（默认：unit_id、单元编码……）</translation>
    </message>
    <message>
      <source>Registry column of the role (default: role, 角色 ...)</source>
      <translation>名册中角色所在列（默认：role、角色……）</translation>
    </message>
    <message>
      <source>Registry column of the contract start (default: start_date, 开始日期 ...)</source>
      <translation>名册中合同开始日期所在列（默认：start_date、开始日期……）</translation>
    </message>
    <message>
      <source>Registry column of the contract end (default: end_date, 结束日期 ...)</source>
      <translation>名册中合同结束日期所在列（默认：end_date、结束日期……）</translation>
    </message>
    <message>
      <source>Registry column of the team name (default: team_name, 团队名称 ...)</source>
      <translation>名册中团队名称所在列（默认：team_name、团队名称……）</translation>
    </message>
    <message>
      <source>Reports per unit (PDF/HTML)</source>
      <translation>单元报告（PDF/HTML）</translation>
    </message>
    <message>
      <source>Writes the documents a responsibility planner hands to the street or township: a district summary (district.pdf) and one document per unit (units/&lt;unit_id&gt;.pdf): a map of its underserved areas, the walking-coverage indicators of the urban check-up against their targets, the categories residents cannot reach, the responsible team and, if given, the evaluation and suggested sites.

Give the folders of the command's files of the reach (required), audit, evaluation and site suggestion ('Folder for the command's files' of those algorithms). With 'Add an atlas print layout' the project gets a print layout with one page per unit, driven by the reach's coverage layer.

The work is done by the planner-gis command (planner-gis report) in its own Python environment.</source>
      <translation>生成责任规划师交给街道或乡镇的文件：区级汇总（district.pdf）和每个单元一份文件（units/&lt;unit_id&gt;.pdf）：服务不足区域地图、城市体检步行覆盖指标与目标对比、居民无法步行到达的设施类别、责任团队，以及（如提供）履职评估和建议选址。

请给出步行可达（必需）、核查、履职评估和选址建议的命令输出文件夹（即这些算法的“命令文件所在文件夹”）。勾选“添加图集打印布局”后，项目中将添加一个由步行可达覆盖图层驱动、每个单元一页的打印布局。

计算由 planner-gis 命令（planner-gis report）在其自己的 Python 环境中完成。</translation>
    </message>
    <message>
      <source>Reach results folder (coverage.csv, reach.gpkg, reach.json)</source>
      <translation>步行可达结果文件夹（coverage.csv、reach.gpkg、reach.json）</translation>
    </message>
    <message>
      <source>Audit results folder</source>
      <translation>核查结果文件夹</translation>
    </message>
    <message>
      <source>Evaluation results folder</source>
      <translation>履职评估结果文件夹</translation>
    </message>
    <message>
      <source>Site suggestion results folder</source>
      <translation>选址建议结果文件夹</translation>
    </message>
    <message>
      <source>Indicator profile (.toml; default: the built-in urban check-up profile)</source>
      <translation>指标配置（.toml；默认：内置城市体检指标）</translation>
    </message>
    <message>
      <source>Only these units (ids separated by spaces or commas; default all)</source>
      <translation>仅这些单元（编码以空格或逗号分隔；默认全部）</translation>
    </message>
    <message>
      <source>Format</source>
      <translation>格式</translation>
    </message>
    <message>
      <source>PDF</source>
      <translation>PDF</translation>
    </message>
    <message>
      <source>HTML</source>
      <translation>HTML</translation>
    </message>
    <message>
      <source>PDF and HTML</source>
      <translation>PDF 和 HTML</translation>
    </message>
    <message>
      <source>Date printed on the pages (YYYY-MM-DD; default today)</source>
      <translation>页面上的日期（YYYY-MM-DD；默认今天）</translation>
    </message>
    <message>
      <source>Map review number (审图号)</source>
      <translation>审图号</translation>
    </message>
    <message>
      <source>Add an atlas print layout (one page per unit) to the project</source>
      <translation>向项目添加图集打印布局（每个单元一页）</translation>
    </message>
    <message>
      <source>Report folder</source>
      <translation>报告文件夹</translation>
    </message>
    <message>
      <source>District summary</source>
      <translation>区级汇总</translation>
    </message>
    <message>
      <source>Atlas print layout</source>
      <translation>图集打印布局</translation>
    </message>
    <message>
      <source>{value}: no such folder. Fix: give the folder of the command's files</source>
      <translation>{value}：文件夹不存在。修正：请给出命令输出文件所在的文件夹</translation>
    </message>
    <message>
      <source>the output {path} would overwrite an input. Fix: choose another report folder</source>
      <translation>输出 {path} 会覆盖输入文件。修正：请选择其他报告文件夹</translation>
    </message>
    <message>
      <source>no coverage layer in {folder}: no atlas layout added</source>
      <translation>{folder} 中没有覆盖图层：未添加图集布局</translation>
    </message>
    <message>
      <source>Suggest facility sites (walking coverage)</source>
      <translation>设施选址建议（步行覆盖）</translation>
    </message>
    <message>
      <source>Where new facilities of one category would bring the most residents within its walking distance (maximal covering: a number of sites), or the fewest sites so that a share of residents is covered (set covering to a target). Only residents not yet within reach of an existing facility count; distances are walked along the network, as in the living-circle reach.

Candidates: a point or polygon layer (polygons are reached along their boundary), or, without a layer, points every so many metres of street inside the units. Candidates farther than the snap distance from every street are skipped and reported.

The result says whether the choice is proven optimal (HiGHS) or greedy with a bound, the optimality gap and the solve time (in the command's suggest.json).

The work is done by the planner-gis command (planner-gis suggest) in its own Python environment.</source>
      <translation>为某一类别的新设施选址：使步行距离内新增覆盖的居民最多（最大覆盖：给定选址数量），或以最少的选址使覆盖比例达到目标（目标集合覆盖）。只计尚未被现有设施覆盖的居民；距离沿步行网络计算，与生活圈可达性分析相同。

候选地块：点或面图层（面沿其边界到达），无图层时在单元内沿街道每隔若干米生成候选点。距任何街道超过吸附距离的候选点被跳过并报告。

结果说明所选方案是否经 HiGHS 证明为最优解，或为附有界的贪心解，以及最优性差距和求解时间（见命令输出的 suggest.json）。

计算由 planner-gis 命令（planner-gis suggest）在其自己的 Python 环境中完成。</translation>
    </message>
    <message>
      <source>Existing facilities</source>
      <translation>现有设施</translation>
    </message>
    <message>
      <source>Category to site (catalogue category, e.g. kindergarten)</source>
      <translation>待选址的设施类别（目录类别，如 kindergarten）</translation>
    </message>
    <message>
      <source>Team registry, to name the team of each site's unit</source>
      <translation>团队名册，用于标注各选址所在单元的团队</translation>
    </message>
    <message>
      <source>Suggested sites</source>
      <translation>建议选址</translation>
    </message>
    <message>
      <source>Newly covered areas</source>
      <translation>新增覆盖区域</translation>
    </message>
    <message>
      <source>Candidate sites (points or polygons; empty: points along the streets)</source>
      <translation>候选地块（点或面；留空：沿街道生成候选点）</translation>
    </message>
    <message>
      <source>Candidate id field</source>
      <translation>候选点编号字段</translation>
    </message>
    <message>
      <source>Without a candidate layer: a candidate every (m of street)</source>
      <translation>无候选图层时：每隔多少米街道设一个候选点</translation>
    </message>
    <message>
      <source>Number of sites (maximal covering)</source>
      <translation>选址数量（最大覆盖）</translation>
    </message>
    <message>
      <source>... or target share of residents covered, e.g. 0.9 (fewest sites; 0: off)</source>
      <translation>……或目标覆盖比例，如 0.9（最少选址；0 表示不用）</translation>
    </message>
    <message>
      <source>A budget (or target) for each unit</source>
      <translation>每个单元分别设定数量（或目标）</translation>
    </message>
    <message>
      <source>Only these units (ids, comma separated; empty: all)</source>
      <translation>仅限这些单元（编号，逗号分隔；留空：全部）</translation>
    </message>
    <message>
      <source>give a number of sites or a target share. Fix: set SITES to 1 or more, or TARGET above 0</source>
      <translation>请给出选址数量或目标覆盖比例。修正：将 SITES 设为 1 或以上，或将 TARGET 设为大于 0</translation>
    </message>
    <message>
      <source>Export web map (HTML)</source>
      <translation>导出网页地图（HTML）</translation>
    </message>
    <message>
      <source>Writes one self-contained HTML page (Leaflet inlined, works offline) of either
- an audit: give the 'Units with status' layer of planner_gis:audit (and its findings), or
- a reach analysis: give the 'Coverage' layer of planner_gis:reach (one row per unit and category), optionally the underserved areas and isochrones, or
- an evaluation: give the 'Units by compliance' layer of planner_gis:evaluate (and its records and rule results).

Give exactly one of the three. No basemap is used unless you give a tile URL template (e.g. an intranet or Tianditu server). Maps published in China need a map review number (审图号).

The work is done by the planner-gis command (planner-gis webmap) in its own Python environment.</source>
      <translation>生成一个独立的 HTML 网页地图（内嵌 Leaflet，可离线打开），内容为以下之一：
- 覆盖审查：给出 planner_gis:audit 的“单元状态”图层（及其审查发现）；
- 生活圈可达性：给出 planner_gis:reach 的“覆盖率”图层（每个单元和类别一行），可选服务不足区域和等时圈；
- 履职评估：给出 planner_gis:evaluate 的“单元评估结果”图层（及其工作记录和规则结果）。

三者只能给出其一。除非提供瓦片地址模板（如内网或天地图服务），否则不加载底图。在中国公开发布的地图须取得审图号。

计算由 planner-gis 命令（planner-gis webmap）在其独立的 Python 环境中完成。</translation>
    </message>
    <message>
      <source>Audit: units with status</source>
      <translation>审查：单元状态</translation>
    </message>
    <message>
      <source>Audit: findings</source>
      <translation>审查：审查发现</translation>
    </message>
    <message>
      <source>Reach: coverage per unit and category</source>
      <translation>可达性：各单元各类设施覆盖率</translation>
    </message>
    <message>
      <source>Reach: underserved areas</source>
      <translation>可达性：服务不足区域</translation>
    </message>
    <message>
      <source>Reach: isochrones</source>
      <translation>可达性：等时圈</translation>
    </message>
    <message>
      <source>Reach: category (or tier in minutes) shown first</source>
      <translation>可达性：首先显示的类别（或分钟层级）</translation>
    </message>
    <message>
      <source>Evaluation: units by compliance</source>
      <translation>履职评估：单元评估结果</translation>
    </message>
    <message>
      <source>Evaluation: records</source>
      <translation>履职评估：工作记录</translation>
    </message>
    <message>
      <source>Evaluation: rule results</source>
      <translation>履职评估：规则结果</translation>
    </message>
    <message>
      <source>Evaluation: rule shown first (default: all rules)</source>
      <translation>履职评估：首先显示的规则（默认：全部规则）</translation>
    </message>
    <message>
      <source>District outline</source>
      <translation>区界</translation>
    </message>
    <message>
      <source>Title</source>
      <translation>标题</translation>
    </message>
    <message>
      <source>Basemap tile URL template with {z}/{x}/{y} (default: none)</source>
      <translation>底图瓦片地址模板，含 {z}/{x}/{y}（默认：无）</translation>
    </message>
    <message>
      <source>Basemap attribution</source>
      <translation>底图署名</translation>
    </message>
    <message>
      <source>Display simplification (m)</source>
      <translation>显示简化容差（米）</translation>
    </message>
    <message>
      <source>Web map</source>
      <translation>网页地图</translation>
    </message>
    <message>
      <source>give one of the audit units layer, the reach coverage layer or the evaluation units layer. Fix: set exactly one of UNITS (an audit map), COVERAGE (a reach map) and EVALUATION_UNITS (an evaluation map)</source>
      <translation>请给出覆盖审查单元图层、生活圈覆盖率图层或履职评估单元图层之一。修正：UNITS（审查地图）、COVERAGE（生活圈地图）与 EVALUATION_UNITS（评估地图）只设置其中一个</translation>
    </message>
    <message>
      <source>15-minute living circle: walking coverage per category (planner-gis reach)</source>
      <translation>15分钟生活圈：各类设施步行覆盖（planner-gis reach）</translation>
    </message>
    <message>
      <source>Audit</source>
      <translation>覆盖审查</translation>
    </message>
    <message>
      <source>Reach</source>
      <translation>生活圈</translation>
    </message>
    <message>
      <source>What-if</source>
      <translation>情景分析</translation>
    </message>
    <message>
      <source>Evaluation</source>
      <translation>履职评估</translation>
    </message>
    <message>
      <source>checking the planner-gis environment ...</source>
      <translation>正在检查 planner-gis 环境……</translation>
    </message>
    <message>
      <source>Set up the Python environment</source>
      <translation>设置 Python 环境</translation>
    </message>
    <message>
      <source>Load demo data</source>
      <translation>加载演示数据</translation>
    </message>
    <message>
      <source>Add the bundled Fengtai demo (schematic units, synthetic city) and fill in the tabs</source>
      <translation>加载内置的丰台演示数据（示意单元、合成城市）并填写各选项卡</translation>
    </message>
    <message>
      <source>Outputs</source>
      <translation>输出</translation>
    </message>
    <message>
      <source>Each run writes into a new sub-folder here (default: a temporary folder)</source>
      <translation>每次运行在此新建一个子文件夹写入结果（默认：临时文件夹）</translation>
    </message>
    <message>
      <source>Output folder</source>
      <translation>输出文件夹</translation>
    </message>
    <message>
      <source>HTML files</source>
      <translation>HTML 文件</translation>
    </message>
    <message>
      <source>Default: &lt;tab&gt;_map.html in the folder of the last run</source>
      <translation>默认：上次运行文件夹中的 &lt;选项卡&gt;_map.html</translation>
    </message>
    <message>
      <source>Web map file</source>
      <translation>网页地图文件</translation>
    </message>
    <message>
      <source>Open the web map in the browser</source>
      <translation>在浏览器中打开网页地图</translation>
    </message>
    <message>
      <source>Export web map</source>
      <translation>导出网页地图</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Checking the planner-gis environment</source>
      <translation>检查 planner-gis 环境</translation>
    </message>
    <message>
      <source>planner-gis {version} ({python})</source>
      <translation>planner-gis {version}（{python}）</translation>
    </message>
    <message>
      <source>the planner-gis environment is not set up</source>
      <translation>planner-gis 环境尚未设置</translation>
    </message>
    <message>
      <source>demo data loaded: schematic units, invented registry, synthetic city (not for planning decisions)</source>
      <translation>已加载演示数据：示意单元、虚构名册、合成城市（不可用于规划决策）</translation>
    </message>
    <message>
      <source>running {id} in the background ...</source>
      <translation>正在后台运行 {id}……</translation>
    </message>
    <message>
      <source>choose the input layers first (or click 'Load demo data')</source>
      <translation>请先选择输入图层（或点击“加载演示数据”）</translation>
    </message>
    <message>
      <source>choose the team registry file (CSV or Excel) first</source>
      <translation>请先选择团队名册文件（CSV 或 Excel）</translation>
    </message>
    <message>
      <source>audit: {summary} (files in {dir})</source>
      <translation>覆盖审查：{summary}（文件在 {dir}）</translation>
    </message>
    <message>
      <source>reach: {summary} (files in {dir})</source>
      <translation>生活圈：{summary}（文件在 {dir}）</translation>
    </message>
    <message>
      <source>no feature of '{layer}' is selected: select points on the map or untick 'Selected features only'</source>
      <translation>“{layer}”中没有选中的要素：请在地图上选择点，或取消勾选“仅所选要素”</translation>
    </message>
    <message>
      <source>isochrones: {summary} (files in {dir})</source>
      <translation>等时圈：{summary}（文件在 {dir}）</translation>
    </message>
    <message>
      <source>choose the work records (a point layer or a table) first</source>
      <translation>请先选择工作记录（点图层或表格）</translation>
    </message>
    <message>
      <source>evaluation: {summary} (files in {dir})</source>
      <translation>履职评估：{summary}（文件位于 {dir}）</translation>
    </message>
    <message>
      <source>run the reach first: the web map shows the isochrones over its coverage</source>
      <translation>请先运行生活圈分析：网页地图在其覆盖率之上显示等时圈</translation>
    </message>
    <message>
      <source>run the audit first: the web map shows its results</source>
      <translation>请先运行覆盖审查：网页地图显示其结果</translation>
    </message>
    <message>
      <source>run the evaluation first: the web map shows its results</source>
      <translation>请先运行履职评估：网页地图显示其结果</translation>
    </message>
    <message>
      <source>run the reach first: the web map shows its results</source>
      <translation>请先运行生活圈分析：网页地图显示其结果</translation>
    </message>
    <message>
      <source>web map written to {path}</source>
      <translation>网页地图已写入 {path}</translation>
    </message>
    <message>
      <source>Registry columns</source>
      <translation>名册列</translation>
    </message>
    <message>
      <source>Team id</source>
      <translation>团队编号</translation>
    </message>
    <message>
      <source>Unit id</source>
      <translation>单元编码</translation>
    </message>
    <message>
      <source>Role</source>
      <translation>角色</translation>
    </message>
    <message>
      <source>Contract start</source>
      <translation>合同开始</translation>
    </message>
    <message>
      <source>Contract end</source>
      <translation>合同结束</translation>
    </message>
    <message>
      <source>Team name</source>
      <translation>团队名称</translation>
    </message>
    <message>
      <source>The registry column holding this field</source>
      <translation>名册中保存此项的列</translation>
    </message>
    <message>
      <source>(automatic)</source>
      <translation>（自动）</translation>
    </message>
    <message>
      <source>Units layer</source>
      <translation>单元图层</translation>
    </message>
    <message>
      <source>Team registry</source>
      <translation>团队名册</translation>
    </message>
    <message>
      <source>Tables</source>
      <translation>表格</translation>
    </message>
    <message>
      <source>All files</source>
      <translation>所有文件</translation>
    </message>
    <message>
      <source>CSV or Excel: team_id, unit_id, role, start_date, end_date (or Chinese headers)</source>
      <translation>CSV 或 Excel：team_id、unit_id、role、start_date、end_date（或中文表头）</translation>
    </message>
    <message>
      <source>As of</source>
      <translation>审查日期</translation>
    </message>
    <message>
      <source>Run audit</source>
      <translation>运行覆盖审查</translation>
    </message>
    <message>
      <source>Walking network layer</source>
      <translation>步行路网图层</translation>
    </message>
    <message>
      <source>... or network file</source>
      <translation>……或路网文件</translation>
    </message>
    <message>
      <source>Walking networks</source>
      <translation>步行路网</translation>
    </message>
    <message>
      <source>Category field</source>
      <translation>类别字段</translation>
    </message>
    <message>
      <source>Park entrances</source>
      <translation>公园出入口</translation>
    </message>
    <message>
      <source>Gates of parks and other polygon facilities (optional)</source>
      <translation>公园及其他面状设施的出入口（可选）</translation>
    </message>
    <message>
      <source>Population raster</source>
      <translation>人口栅格</translation>
    </message>
    <message>
      <source>... or population points</source>
      <translation>……或人口点</translation>
    </message>
    <message>
      <source>Category to show</source>
      <translation>显示的类别</translation>
    </message>
    <message>
      <source>Facility category (or tier_5, tier_10, tier_15) the coverage layer shows</source>
      <translation>覆盖率图层显示的设施类别（或 tier_5、tier_10、tier_15）</translation>
    </message>
    <message>
      <source>Isochrones around the 15-minute-tier facilities</source>
      <translation>15 分钟层级设施的等时圈</translation>
    </message>
    <message>
      <source>... or around these categories</source>
      <translation>……或以下类别的等时圈</translation>
    </message>
    <message>
      <source>Run reach</source>
      <translation>运行生活圈分析</translation>
    </message>
    <message>
      <source>Selected features only</source>
      <translation>仅所选要素</translation>
    </message>
    <message>
      <source>Only the points selected on the map (e.g. one school's entrances)</source>
      <translation>仅地图上选中的点（如某所学校的出入口）</translation>
    </message>
    <message>
      <source>Walking distances (m)</source>
      <translation>步行距离（米）</translation>
    </message>
    <message>
      <source>Walking distances in metres, separated by commas; 300, 500 and 1000 m are the 5/10/15-minute living circles of GB 50180-2018</source>
      <translation>步行距离（米），以逗号分隔；300、500 和 1000 米为 GB 50180-2018 的 5/10/15 分钟生活圈</translation>
    </message>
    <message>
      <source>Run isochrones</source>
      <translation>运行等时圈</translation>
    </message>
    <message>
      <source>Work records layer</source>
      <translation>工作记录图层</translation>
    </message>
    <message>
      <source>... or records table</source>
      <translation>……或工作记录表</translation>
    </message>
    <message>
      <source>CSV or Excel: record_id, team_id, date, kind, lon, lat (Chinese headers and kinds are recognised)</source>
      <translation>CSV 或 Excel：record_id、team_id、date、kind、lon、lat（可识别中文表头和中文工作类型）</translation>
    </message>
    <message>
      <source>CSV or Excel: team_id, unit_id, role, start_date, end_date; annual_fee for the fee rules</source>
      <translation>CSV 或 Excel：team_id、unit_id、role、start_date、end_date；扣费规则需 annual_fee（年度服务费）</translation>
    </message>
    <message>
      <source>... or rules file</source>
      <translation>……或规则文件</translation>
    </message>
    <message>
      <source>Your city's rules: a copy of a built-in rules file with your numbers</source>
      <translation>本市规则：复制一个内置规则文件并改为本市的数值</translation>
    </message>
    <message>
      <source>Year</source>
      <translation>年度</translation>
    </message>
    <message>
      <source>Team members</source>
      <translation>团队成员</translation>
    </message>
    <message>
      <source>person_id, team_id, profession, title (Chongqing)</source>
      <translation>person_id、team_id、profession、title（重庆）</translation>
    </message>
    <message>
      <source>Ratings</source>
      <translation>年度评价</translation>
    </message>
    <message>
      <source>person_id, year, satisfaction, previous_points, special_points (Chongqing, Beijing)</source>
      <translation>person_id、year、satisfaction、previous_points、special_points（重庆、北京）</translation>
    </message>
    <message>
      <source>Tolerance outside the unit</source>
      <translation>单元外容差</translation>
    </message>
    <message>
      <source>Run evaluation</source>
      <translation>运行履职评估</translation>
    </message>
    <message>
      <source>planner-gis: Python environment</source>
      <translation>planner-gis：Python 环境</translation>
    </message>
    <message>
      <source>planner-gis runs in its own Python environment, outside QGIS (its libraries carry their own GEOS, PROJ and GDAL). Choose a Python that has planner-gis, or create one.</source>
      <translation>planner-gis 在 QGIS 之外的独立 Python 环境中运行（其依赖库自带 GEOS、PROJ 和 GDAL）。请选择已安装 planner-gis 的 Python，或新建一个环境。</translation>
    </message>
    <message>
      <source>A Python executable or a venv folder (e.g. the .venv of a checkout)</source>
      <translation>Python 可执行文件或 venv 文件夹（如源码目录中的 .venv）</translation>
    </message>
    <message>
      <source>Existing Python with planner-gis</source>
      <translation>已安装 planner-gis 的 Python</translation>
    </message>
    <message>
      <source>Use this Python</source>
      <translation>使用此 Python</translation>
    </message>
    <message>
      <source>planner-gis (from PyPI), a wheel file, or a source checkout folder</source>
      <translation>planner-gis（来自 PyPI）、wheel 文件或源码文件夹</translation>
    </message>
    <message>
      <source>Install planner-gis from</source>
      <translation>planner-gis 安装来源</translation>
    </message>
    <message>
      <source>New environment folder</source>
      <translation>新环境文件夹</translation>
    </message>
    <message>
      <source>Create the environment</source>
      <translation>创建环境</translation>
    </message>
    <message>
      <source>Commands:</source>
      <translation>命令：</translation>
    </message>
    <message>
      <source>planner-gis {version} in {python}</source>
      <translation>planner-gis {version}，位于 {python}</translation>
    </message>
    <message>
      <source>Setting up the planner-gis environment</source>
      <translation>正在设置 planner-gis 环境</translation>
    </message>
    <message>
      <source>planner-gis panel</source>
      <translation>planner-gis 面板</translation>
    </message>
    <message>
      <source>Open the planner-gis panel: coverage audit, living-circle reach, web maps</source>
      <translation>打开 planner-gis 面板：覆盖审查、生活圈可达性、网页地图</translation>
    </message>
    <message>
      <source>Python with planner-gis (python executable or venv folder; empty: the environment the planner-gis panel sets up)</source>
      <translation>已安装 planner-gis 的 Python（Python 可执行文件或 venv 文件夹；留空：使用 planner-gis 面板设置的环境）</translation>
    </message>
    <message>
      <source>the algorithm {id} is not available: is the plugin enabled?</source>
      <translation>算法 {id} 不可用：插件是否已启用？</translation>
    </message>
    <message>
      <source>{id} failed</source>
      <translation>{id} 运行失败</translation>
    </message>
    <message>
      <source>the what-if process stopped (exit status {code})</source>
      <translation>情景分析进程已停止（退出状态 {code}）</translation>
    </message>
    <message>
      <source>A folder written by the reach with the what-if file (scenario.npz); the dock's reach runs write it</source>
      <translation>可达性分析写出的、含情景分析文件（scenario.npz）的文件夹；本面板的可达性分析会写出该文件</translation>
    </message>
    <message>
      <source>Reach result folder</source>
      <translation>可达性结果文件夹</translation>
    </message>
    <message>
      <source>Facility category</source>
      <translation>设施类别</translation>
    </message>
    <message>
      <source>Start what-if</source>
      <translation>开始情景分析</translation>
    </message>
    <message>
      <source>Place or drag facilities</source>
      <translation>放置或拖动设施</translation>
    </message>
    <message>
      <source>Undo</source>
      <translation>撤销</translation>
    </message>
    <message>
      <source>Stop</source>
      <translation>停止</translation>
    </message>
    <message>
      <source>not started</source>
      <translation>未开始</translation>
    </message>
    <message>
      <source>Unit</source>
      <translation>单元</translation>
    </message>
    <message>
      <source>Share before</source>
      <translation>变化前比例</translation>
    </message>
    <message>
      <source>Share after</source>
      <translation>变化后比例</translation>
    </message>
    <message>
      <source>Change (residents)</source>
      <translation>变化（居民数）</translation>
    </message>
    <message>
      <source>choose a reach result folder written with the what-if file (run the reach in this dock first)</source>
      <translation>请选择含情景分析文件的可达性结果文件夹（先在本面板运行可达性分析）</translation>
    </message>
    <message>
      <source>loading the scenario ...</source>
      <translation>正在加载情景……</translation>
    </message>
    <message>
      <source>ready: {facilities} facilities, {units} units ({crs}). Click the map to place a facility, drag one to move it.</source>
      <translation>就绪：{facilities} 处设施，{units} 个单元（{crs}）。在地图上单击放置设施，拖动设施可移动它。</translation>
    </message>
    <message>
      <source>stopped</source>
      <translation>已停止</translation>
    </message>
    <message>
      <source>no facility there to move: press on a facility and drag it</source>
      <translation>该处没有可移动的设施：请按住一个设施并拖动</translation>
    </message>
    <message>
      <source>{op} {facility}: {ms} ms, {origins} origins searched again; {depth} change(s) to undo</source>
      <translation>{op} {facility}：{ms} 毫秒，重新搜索 {origins} 个居民点；可撤销 {depth} 步</translation>
    </message>
    <message>
      <source>What-if facilities</source>
      <translation>情景分析设施</translation>
    </message>
  </context>
</TS>
