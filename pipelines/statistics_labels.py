"""Vocabularies of the statistics stage: the three national tables' labels, columns and narrative phrases.

Labels are matched on a squashed copy of a cell (see statistics_cells.squash): no spaces, half-width
brackets and colons, simplified characters (seed 002 goes through pipelines.spam.deannotate first).
"""
import re

# The applicant columns of table B, in the published order (申请人情况).
COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
APPLICANT_COLUMNS = COLUMNS[:-1]

# Row keys of table B per format generation, in published order.
ROWS_HEAD = ("new", "carried_over", "granted", "partially_granted",
             "denied_state_secret", "denied_prohibited_by_law", "denied_three_safety_one_stability",
             "denied_third_party", "denied_internal_affairs", "denied_process_info",
             "denied_enforcement_files", "denied_query_matters",
             "unable_not_held", "unable_needs_creation", "unable_unclear",
             "not_handled_petition", "not_handled_repeated", "not_handled_publication",
             "not_handled_excessive", "not_handled_confirmation")
ROWS_2021 = ROWS_HEAD + ("other_overdue_correction", "other_overdue_fee", "other_other", "total",
                         "carried_forward")
ROWS_2019 = ROWS_HEAD + ("other", "total", "carried_forward")
ROWS_BY_FORMAT = {"2021": ROWS_2021, "2019": ROWS_2019}
# The rows (一)…(六) whose sum is (七)总计.
RESULT_ROWS = {fmt: rows[2:rows.index("total")] for fmt, rows in ROWS_BY_FORMAT.items()}

# Row labels of table B: key -> pattern searched in a squashed label cell.  "other_other" ("3.其他") and
# "other" ("(六)其他处理" followed by numbers, 2019) are told apart in statistics_tables by what follows.
ROW_LABELS = {
    "new": r"本年新收",
    "carried_over": r"上年结转",
    "granted": r"予以公开$",
    "partially_granted": r"部分公开",
    "denied_state_secret": r"国家秘密",
    "denied_prohibited_by_law": r"法律行政法规禁止",
    "denied_three_safety_one_stability": r"三安全一稳定",
    "denied_third_party": r"第三方合法权益",
    "denied_internal_affairs": r"内部事务",
    "denied_process_info": r"过程性信息",
    "denied_enforcement_files": r"行政执法案卷",
    "denied_query_matters": r"行政查询事项",
    "unable_not_held": r"不掌握",
    "unable_needs_creation": r"另行制作",
    "unable_unclear": r"仍不明确",
    "not_handled_petition": r"信访举报投诉",
    "not_handled_repeated": r"重复申请",
    "not_handled_publication": r"公开出版物",
    "not_handled_excessive": r"大量反复",
    "not_handled_confirmation": r"确认或重新出具",
    "other_overdue_correction": r"逾期不补正",
    "other_overdue_fee": r"缴纳费用",
    "other_other": r"^3[.、]?其他$",
    "other": r"^\(六\)其他处理$",
    "total": r"^\(七\)总计$|^七、总计$",
    "carried_forward": r"结转下年",
}
# Group and section labels of table B: they end the cells of the row before them and carry no numbers.
GROUP_LABELS = r"^三、本年度办理结果$|^\([三四五]\)(不予公开|无法提供|不予处理)$|^三、本年度办理结果"

# Longest cell that can be a label (longer cells are narrative paragraphs).
MAX_LABEL_CHARS = 60

# Table A: item headers (第二十条第（X）项) and their row labels, canonical form as in the national format.
ITEM_HEADER = re.compile(r"第二十条第\(([一二三四五六七八九十]+)\)项")
PROACTIVE_ROWS = {
    "规章": r"^规章$",
    "行政规范性文件": r"^行政规范性文件$",
    "规范性文件": r"^规范性文件$",
    "行政许可": r"^行政许可$",
    "其他对外管理服务事项": r"^其他对外管理服务事项$",
    "行政处罚": r"^行政处罚$",
    "行政强制": r"^行政强制$",
    "行政事业性收费": r"^行政事业性收费$",
    "政府集中采购": r"^政府集中采购$",
}
# Column headers of table A per format and item, canonical spelling (full-width as in the 国办 format).
PROACTIVE_COLUMNS = {
    "2021": {"一": ("本年制发件数", "本年废止件数", "现行有效件数"),
             "五": ("本年处理决定数量",),
             "六": ("本年处理决定数量",),
             "八": ("本年收费金额（单位：万元）",)},
    "2019": {"一": ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
             "五": ("上一年项目数量", "本年增/减", "处理决定数量"),
             "六": ("上一年项目数量", "本年增/减", "处理决定数量"),
             "八": ("上一年项目数量", "本年增/减"),
             "九": ("采购项目数量", "采购总金额")},
}
# Cells that are only table A's column header "信息内容".
PROACTIVE_CORNER = r"^信息内容$"

# Words that mark each format generation wherever they occur (squashed text).
FORMAT_MARKERS = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "逾期未按收费通知", "逾期不补正"),
    "2019": ("本年新制作数量", "对外公开总数量", "政府集中采购", "采购总金额"),
}

# Table C: its header cells are made of these words only (split headers like "结果"/"纠正" included).
REVIEW_HEADER_CHARS = set("行政复议诉讼结果维持纠正其他尚未审结总计合未经直接起后()（）")
REVIEW_START = r"^行政复议$"
REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")
REVIEW_FIELDS = ("upheld", "corrected", "other", "pending", "total")

# Cells that end the statistics tables in flattened text (the next section headings).
SECTION_END = r"^四、.*(行政复议|行政诉讼)|^五、|^六、"

# Narrative statements checked against the tables: (rule name, pattern); the first matching rule wins.
NARRATIVE_RECEIVED = (
    # 000 "收到依申请公开信息共74件", 001 "共收到依申请公开线上4件,线下23件,共27件"
    ("verb_then_total", r"(?:收到|受理|新收)[^。；;]{0,10}?申请[^。；;]{0,25}?共计?(\d+)件"),
    # 002/003/004 "共受理依申请公开211件(含上年结转11件)"
    ("total_then_verb", r"共(?:收到|受理|新收)[^。；;\d]{0,25}?申请[^。；;\d]{0,8}?(\d+)件"),
    ("verb_then_number", r"(?:收到|受理|新收)[^。；;\d]{0,25}?申请[^。；;\d]{0,8}?(\d+)件"),
)
NARRATIVE_CARRIED_FORWARD = (("carried_forward", r"结转(?:至)?下(?:一)?年(?:度)?(?:继续)?(?:办理)?(\d+)件"),)
NARRATIVE_REVIEW = (("review", r"行政复议(?:案件)?(?:申请)?共?(\d+)件"),)
NARRATIVE_LITIGATION = (("litigation", r"行政诉讼(?:案件)?共?(\d+)件"),)
