"""Everything a citizen reads, in one place: polite, short Vietnamese."""

from __future__ import annotations

from vntext import notices, vn_date, vn_datetime, vn_int

BUSY = "Hệ thống đang bận, vui lòng gửi lại sau."
ERROR = "Xin lỗi, đã có lỗi khi xử lý tin nhắn của anh/chị. Anh/chị vui lòng thử lại sau ít phút."

WELCOME = (
    "Xin chào anh/chị! Đây là kênh tiếp nhận câu hỏi, ý kiến, kiến nghị của người dân gửi tới các "
    "hội nghị tiếp xúc, đối thoại của lãnh đạo địa phương.\n\n"
    "Về dữ liệu cá nhân: nếu anh/chị đồng ý, chúng tôi lưu họ tên, xã/phường và số điện thoại "
    "(đều không bắt buộc) chỉ để liên hệ và trả lời câu hỏi của anh/chị. Anh/chị có thể xem câu hỏi "
    "bằng lệnh /cauhoi và xóa dữ liệu cá nhân bất cứ lúc nào bằng lệnh /xoa_du_lieu.\n"
    "Nếu không đồng ý, anh/chị vẫn gửi câu hỏi ẩn danh được; chúng tôi chỉ giữ mã cuộc trò chuyện "
    "để gửi câu trả lời về đây."
)
CONSENT_YES = "Đồng ý"
CONSENT_NO = "Hỏi ẩn danh"
CONSENT_HINT = "Anh/chị vui lòng chọn «Đồng ý» hoặc «Hỏi ẩn danh» để tiếp tục."
CONSENTED = "Cảm ơn anh/chị đã đồng ý."
ANONYMOUS = "Anh/chị sẽ gửi câu hỏi ẩn danh."

CHOOSE_MEETING = "Anh/chị muốn gửi câu hỏi tới hội nghị nào?"
NO_MEETINGS = "Hiện chưa có hội nghị nào đang nhận câu hỏi. Anh/chị vui lòng quay lại sau."
MEETING_NOT_FOUND = "Không tìm thấy hội nghị mã «{code}». Anh/chị vui lòng chọn một hội nghị trong danh sách."
MEETING_CLOSED = "Hội nghị «{title}» hiện không nhận câu hỏi. Anh/chị vui lòng chọn hội nghị khác."
MEETING_CHOSEN = "Anh/chị gửi câu hỏi tới: {title}."
CHOOSE_HINT = "Anh/chị vui lòng chọn một hội nghị bằng nút bấm hoặc gõ số thứ tự."
PREV_PAGE = "« Trước"
NEXT_PAGE = "Sau »"

ASK_NAME = "Anh/chị cho biết họ và tên (không bắt buộc, bấm «Bỏ qua» nếu không muốn)."
ASK_LOCALITY = "Anh/chị đang sống ở xã/phường nào? (không bắt buộc)"
ASK_PHONE = "Số điện thoại để liên hệ khi cần (không bắt buộc)."
SKIP = "Bỏ qua"
BAD_PHONE = "Số điện thoại «{phone}» chưa đúng. Anh/chị nhập lại (ví dụ 0912 345 678) hoặc bấm «Bỏ qua»."
LOCALITY_MATCHED = "Đã ghi nhận địa bàn: {name}."
LOCALITY_FREE = "Đã ghi nhận địa bàn: {name}."
NAME_TOO_LONG = "Họ tên dài quá 200 ký tự, anh/chị vui lòng nhập ngắn gọn hơn."

ASK_QUESTION = (
    "Mời anh/chị nhập câu hỏi, ý kiến hoặc kiến nghị. Câu dài có thể gửi thành nhiều tin nhắn; "
    "khi xong, bấm «Gửi» (hoặc gõ /gui). Có thể gửi kèm ảnh hoặc tài liệu."
)
SEND = "Gửi"
DRAFT_NOTED = "Đã ghi nhận ({chars} ký tự). Anh/chị viết tiếp, hoặc bấm «Gửi» để gửi câu hỏi."
DRAFT_EMPTY = "Nội dung câu hỏi đang trống. Anh/chị vui lòng nhập câu hỏi trước khi bấm «Gửi»."
DRAFT_TOO_LONG = "Câu hỏi dài quá {limit} ký tự. Anh/chị vui lòng rút gọn hoặc chia thành nhiều câu hỏi."
NO_LETTERS = "Câu hỏi cần có chữ. Anh/chị vui lòng viết rõ nội dung muốn hỏi."
ATTACHMENT_NOTED = "Đã nhận {name} ({count}/{limit} tệp). Anh/chị nhập nội dung câu hỏi rồi bấm «Gửi»."
ATTACHMENT_WITH_DRAFT = "Đã nhận {name} ({count}/{limit} tệp)."
ATTACHMENT_NAMED = "tệp «{name}»"
ATTACHMENT_UNNAMED = {"photo": "ảnh", "document": "tài liệu"}
ATTACHMENT_TOO_LARGE = "Tệp quá lớn (tối đa {limit}). Anh/chị vui lòng gửi tệp nhỏ hơn."
ATTACHMENT_WHEN_ASKING = "Anh/chị vui lòng gửi ảnh hoặc tài liệu khi đang nhập câu hỏi."
TOO_MANY_ATTACHMENTS = "Mỗi câu hỏi kèm tối đa {limit} tệp."

FIELD_DETECTED = "Câu hỏi của anh/chị có vẻ thuộc lĩnh vực: {label}. Có đúng không?"
FIELD_UNKNOWN = "Anh/chị vui lòng chọn lĩnh vực của câu hỏi."
FIELD_CORRECT = "Đúng"
FIELD_OTHER = "Chọn lĩnh vực khác"
FIELD_ALL = "Anh/chị chọn lĩnh vực phù hợp nhất:"
FIELD_HINT = "Anh/chị vui lòng chọn lĩnh vực bằng nút bấm hoặc gõ số thứ tự."

CONFIRMED = (
    "Cảm ơn anh/chị đã gửi câu hỏi. Mã số của anh/chị là {ticket}.\n"
    "Hội nghị: {title}, {when}.\n"
    "Khi có trả lời, chúng tôi sẽ gửi về đây. Xem tình trạng câu hỏi bằng lệnh /cauhoi."
)
ASK_ANOTHER = "Gửi câu hỏi khác"
FLOOD = (
    "Anh/chị đã gửi {count} câu hỏi trong {minutes} phút vừa qua. Để công bằng cho mọi người, "
    "anh/chị vui lòng gửi tiếp sau ít phút."
)

FLOOD_ADDRESS = (
    "Đã có nhiều câu hỏi được gửi từ cùng một mạng trong {minutes} phút vừa qua. Để công bằng cho mọi "
    "người, anh/chị vui lòng gửi tiếp sau ít phút."
)

MY_QUESTIONS_NONE = "Anh/chị chưa gửi câu hỏi nào."
MY_QUESTIONS_HEAD = "Câu hỏi của anh/chị:"
MY_QUESTION_LINE = "- {ticket} ({date}) — {status}: {text}"
MY_QUESTIONS_TICKET_HINT = "Gõ mã câu hỏi (ví dụ {ticket}) để xem chi tiết."
WITHDRAW_NONE = "Anh/chị không có câu hỏi nào còn rút được (chỉ rút được trước ngày hội nghị)."
WITHDRAW_CHOOSE = "Anh/chị muốn rút câu hỏi nào?"
WITHDRAW_OPTION = "Rút {ticket}"
WITHDRAW_KEEP = "Không rút"
WITHDRAW_KEPT = "Anh/chị không rút câu hỏi nào."
WITHDRAW_HINT = "Anh/chị vui lòng chọn câu hỏi muốn rút, hoặc «Không rút»."
WITHDRAWN = "Đã rút câu hỏi {ticket}."

TICKET_STATUS = "Câu hỏi {ticket} ({date}), hội nghị: {meeting}.\nNội dung: {text}\nTình trạng: {status}."
TICKET_ANSWER = "Trả lời ({date}): {answer}"
TICKET_NOT_FOUND = "Không tìm thấy câu hỏi mã {ticket} của anh/chị. Xem các câu hỏi đã gửi bằng lệnh /cauhoi."

ERASE_CONFIRM = (
    "Anh/chị có chắc muốn xóa họ tên, số điện thoại và địa bàn đã lưu? Các câu hỏi vẫn được giữ ở dạng "
    "ẩn danh và câu trả lời vẫn được gửi về đây."
)
ERASE_YES = "Xóa dữ liệu"
ERASE_NO = "Không xóa"
ERASE_KEPT = "Dữ liệu của anh/chị được giữ nguyên."
ERASE_HINT = "Anh/chị vui lòng chọn «Xóa dữ liệu» hoặc «Không xóa»."
ERASED = (
    "Đã xóa họ tên, số điện thoại và địa bàn của anh/chị. Các câu hỏi vẫn được giữ ở dạng ẩn danh, "
    "và câu trả lời vẫn được gửi về đây."
)
HELP = (
    "Các lệnh:\n"
    "/start — bắt đầu, chọn hội nghị và gửi câu hỏi\n"
    "/cauhoi — xem các câu hỏi đã gửi và tình trạng\n"
    "/huy — rút một câu hỏi trước ngày hội nghị (hoặc /huy <mã>)\n"
    "Gõ mã câu hỏi (ví dụ HG-2026-000123) — xem tình trạng và câu trả lời\n"
    "/xoa_du_lieu — xóa dữ liệu cá nhân của anh/chị\n"
    "/tro_giup — hướng dẫn này"
)
UNKNOWN_COMMAND = "Lệnh «/{command}» không có. " + HELP

RATING_QUESTION = notices.RATING_QUESTION
OFFICER_LINKED = ("Đã liên kết: từ nay anh/chị nhận tại đây các thông báo công việc của tài khoản trên trang quản trị "
                  "(việc được giao, nhắc hạn, câu hỏi chuyển lên, câu hỏi được mở lại).")
OFFICER_LINK_EXPIRED = ("Mã liên kết không đúng hoặc đã hết hạn. Anh/chị vui lòng lấy mã mới ở trang "
                        "«Tài khoản của tôi» trên trang quản trị.")
RATING_YES = notices.RATING_YES
RATING_NO = notices.RATING_NO
RATING_ABOUT = "Câu hỏi {ticket}: {text}\n" + RATING_QUESTION
RATING_HINT = "Anh/chị vui lòng chọn «Hài lòng» hoặc «Chưa hài lòng» (hoặc gõ «Bỏ qua» để để sau)."
RATING_THANKS = "Cảm ơn anh/chị đã đánh giá câu trả lời."
RATING_WHY = (
    "Anh/chị vui lòng cho biết vì sao chưa hài lòng (câu trả lời chưa đúng, chưa đủ, hay việc chưa được "
    "làm...). Câu hỏi sẽ được chuyển lại cơ quan giải quyết."
)
RATING_WHY_HINT = "Anh/chị vui lòng viết lý do bằng chữ, hoặc gõ «Bỏ qua»."
REOPENED = "Cảm ơn anh/chị. Câu hỏi {ticket} đã được mở lại và chuyển lại để giải quyết; kết quả sẽ được gửi về đây."
REASON_NOTED = "Cảm ơn anh/chị, ý kiến đã được ghi nhận cùng câu hỏi {ticket}."
RATING_SKIPPED = "Anh/chị có thể đánh giá sau bằng nút dưới câu trả lời."

NOT_ACCEPTED = {
    "voice": "Hiện hệ thống chưa nhận tin nhắn thoại. Anh/chị vui lòng gõ câu hỏi bằng chữ.",
    "sticker": "Cảm ơn anh/chị! Hệ thống chỉ nhận câu hỏi bằng chữ, kèm ảnh hoặc tài liệu nếu cần.",
    "location": "Hệ thống chưa nhận vị trí. Anh/chị vui lòng ghi tên xã/phường, ấp/khu phố trong câu hỏi.",
    "other": "Hệ thống chỉ nhận câu hỏi bằng chữ, kèm ảnh hoặc tài liệu nếu cần.",
}

NUMBERED_HINT = "Trả lời bằng số thứ tự để chọn."


def meeting_label(title: str, unit: str, starts: object, target_group: str) -> str:
    from datetime import datetime

    when = vn_date(starts) if isinstance(starts, datetime) else ""
    label = f"{title} — {unit}, {when}"
    if target_group:
        label += f" ({target_group})"
    return label


def meeting_when(starts: object) -> str:
    from datetime import datetime

    return vn_datetime(starts) if isinstance(starts, datetime) else ""


def size_limit(limit: int) -> str:
    return f"{vn_int(max(1, limit // (1024 * 1024)))} MB" if limit >= 1024 * 1024 else f"{vn_int(limit)} byte"

WEB_TITLE = "Gửi câu hỏi tới hội nghị tiếp xúc, đối thoại"
WEB_UI = {
    "placeholder": "Nhập câu hỏi hoặc trả lời...",
    "send": "Gửi",
    "attach": "Đính kèm ảnh hoặc tài liệu",
    "attach_short": "Tệp",
    "file": "Tệp đính kèm",
    "quote": "Câu hỏi",
    "commands": "Lệnh",
    "offline": "Mất kết nối. Tin nhắn chưa gửi được, anh/chị vui lòng thử lại.",
    "answer": "Trả lời",
    "you": "Anh/chị",
    "bot": "Ban tổ chức",
}
# The commands the web chat shows as buttons: (label, the command typed on the other channels).
WEB_COMMANDS = (
    ("Câu hỏi của tôi", "/cauhoi"),
    ("Rút câu hỏi", "/huy"),
    ("Gửi câu hỏi mới", "/start"),
    ("Xóa dữ liệu", "/xoa_du_lieu"),
    ("Hướng dẫn", "/tro_giup"),
)
