//! The UI's words in Vietnamese (default) and English.
//!
//! Every message is declared once with both translations, so a missing translation is a
//! compile error, not a blank on a farmer's screen. The locale is chosen per request from
//! the `goc_lang` cookie (set by `/lang/{vi|en}`, which works without JavaScript) and
//! written into `<html lang>`, from where the browser side reads it when it hydrates.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Vi,
    En,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }
    pub fn other(self) -> Self {
        match self {
            Self::Vi => Self::En,
            Self::En => Self::Vi,
        }
    }
}

impl Locale {
    /// A calendar date the way the reader writes it: 02/02/2016 in Vietnamese, 2016-02-02
    /// (unambiguous) in English.
    pub fn date(self, d: ledger::Date) -> String {
        match self {
            Self::Vi => format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()),
            Self::En => d.to_string(),
        }
    }

    /// An ISO date (2027-03-01) as the reader writes dates; anything else as it is.
    pub fn date_iso(self, iso: &str) -> String {
        ledger::Date::parse_iso(iso).map_or_else(|_| iso.to_owned(), |d| self.date(d))
    }

    /// The day of a moment (unix ms) in Vietnam, as the reader writes dates.
    pub fn date_ms(self, unix_ms: i64) -> String {
        self.date(ledger::Date::from_unix_ms(unix_ms))
    }

    /// A decimal number with at most `decimals` places, trailing zeros dropped: 12,5 and
    /// 1.250,75 in Vietnamese; 12.5 and 1,250.75 in English. One implementation serves
    /// pages, mails and PDFs (`server::text`, with money and weights), so pages write numbers
    /// on the server.
    #[cfg(feature = "ssr")]
    pub fn number(self, value: f64, decimals: usize) -> String {
        server::text::number(value, decimals, self.into())
    }
}

/// The server reads the language from the request's cookie (`server::error::Lang`).
#[cfg(feature = "ssr")]
impl From<server::error::Lang> for Locale {
    fn from(l: server::error::Lang) -> Self {
        match l {
            server::error::Lang::Vi => Self::Vi,
            server::error::Lang::En => Self::En,
        }
    }
}

/// The server formats numbers, money and weights (`server::text`) in the reader's locale.
#[cfg(feature = "ssr")]
impl From<Locale> for server::error::Lang {
    fn from(l: Locale) -> Self {
        match l {
            Locale::Vi => Self::Vi,
            Locale::En => Self::En,
        }
    }
}

/// The locale of the page being rendered or hydrated.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

macro_rules! messages {
    ($($key:ident => $vi:literal, $en:literal;)*) => {
        /// A message of the UI.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($key),* }

        impl Msg {
            pub fn text(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $((Msg::$key, Locale::Vi) => $vi, (Msg::$key, Locale::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    KindWatered => "Tưới nước", "Watered";
    KindFertilised => "Bón phân", "Fertilised";
    KindPruned => "Tỉa cành", "Pruned";
    KindSprayed => "Phun thuốc", "Sprayed";
    KindBagged => "Bao trái", "Bagged fruit";
    KindFlowering => "Ra hoa", "Flowering";
    KindFruitSet => "Đậu quả", "Fruit set";
    KindPest => "Sâu bệnh", "Pest or disease";
    KindHarvested => "Thu hoạch", "Harvested";
    KindNote => "Ghi chú", "Note";
    KindRegistered => "Cây được đăng ký vào sổ", "The tree entered the register";
    KindRemoved => "Loại khỏi sổ", "Removed from the register";
    KindReturned => "Trở lại sổ", "Back in the register";
    KindAdopted => "Được nhận nuôi", "Adopted";
    KindOther => "Mục khác", "Other entry";
    Lot => "lô", "lot";
    PreHarvestDays => "cách ly (ngày)", "pre-harvest interval (days)";
    Fruits => "trái", "fruits";
    SeverityOf => "mức", "severity";
    Grade => "loại", "grade";
    CorrectedOn => "Đã sửa ngày", "Corrected on";
    Withdrawn => "Đã rút lại mục này", "This entry was withdrawn";
    WasBefore => "Ghi lúc đầu", "First recorded as";
    HarvestInInterval => "Thu hoạch trong thời gian cách ly của", "Harvested within the pre-harvest interval of";
    SafeFrom => "an toàn từ", "safe from";
    DiaryTitle => "Nhật ký chăm sóc", "Care diary";
    DiaryEmpty => "Chưa có mục nhật ký nào.", "No diary entries yet.";
    DiaryDamaged => "Lịch sử của cây này không còn khớp với sổ đã ký: không thể tin nhật ký bên dưới.", "This tree's history no longer matches the signed log: the diary cannot be trusted.";
    RecordedBy => "ghi bởi", "recorded by";
    NoCareFor => "Chưa chăm sóc", "No care for";
    FarmTitle => "Vườn của tôi", "My orchard";
    FarmShort => "Vườn", "Orchard";
    FarmNone => "Bạn chưa là thành viên của hợp tác xã nào. Hãy nhờ quản lý hợp tác xã mời bạn.", "You are not a member of any cooperative yet. Ask its manager to invite you.";
    FindTree => "Tìm cây (mã, vùng)", "Find a tree (code, zone)";
    ChooseTrees => "Chọn cây", "Choose the trees";
    WhatWasDone => "Việc đã làm", "What was done";
    SaveEntry => "Lưu vào nhật ký", "Save to the diary";
    SyncNow => "Đồng bộ ngay", "Sync now";
    UpdateReady => "Có bản cập nhật — chạm để tải lại", "An update is ready — tap to reload";
    Correct => "Sửa mục này", "Correct this entry";
    CorrectingTitle => "Sửa một mục đã ghi", "Correct an entry";
    CorrectingBody => "Mục cũ vẫn được giữ; lần sửa được ghi thành một mục mới bên cạnh nó.", "The old entry stays; the correction is recorded as a new entry beside it.";
    CorrectionReason => "Lý do sửa", "Reason for the correction";
    WithdrawEntry => "Rút lại (ghi nhầm)", "Withdraw (recorded by mistake)";
    TakePhotos => "Ảnh (chụp bằng điện thoại)", "Photos (from the phone's camera)";
    Litres => "Số lít nước", "Litres of water";
    ProductName => "Tên sản phẩm", "Product";
    AmountLabel => "Lượng", "Amount";
    UnitLabel => "Đơn vị", "Unit";
    LotNumber => "Số lô (in trên bao bì)", "Lot number (on the package)";
    ActiveIngredient => "Hoạt chất", "Active ingredient";
    Dose => "Liều lượng", "Dose";
    PhiDaysLabel => "Thời gian cách ly (ngày)", "Pre-harvest interval (days)";
    FruitCount => "Số trái", "Number of fruits";
    NoteLabel => "Ghi chú", "Note";
    PestName => "Sâu bệnh gì", "Which pest or disease";
    SeverityLabel => "Mức độ", "Severity";
    SeverityLow => "1 · nhẹ", "1 · low";
    SeverityMid => "2 · vừa", "2 · medium";
    SeverityHigh => "3 · nặng", "3 · high";
    KgLabel => "Số kg", "Kilograms";
    GradeLabel => "Loại (tuỳ chọn)", "Grade (optional)";
    TextLabel => "Nội dung", "Text";
    DiaryLogged => "Đã lưu vào nhật ký.", "Saved to the diary.";
    AdoptThisTree => "Nhận nuôi cây này", "Adopt this tree";
    OfferSeason => "Mùa vụ", "Season";
    OfferPrice => "Giá cả mùa", "Price for the season";
    ExpectedYield => "Sản lượng dự kiến", "Expected harvest";
    GuaranteedYield => "Đảm bảo tối thiểu", "Guaranteed minimum";
    OfferIncludes => "Bạn nhận được", "What you get";
    Deliveries => "lần giao quả", "deliveries of fruit";
    ShortfallRefund => "Nếu thu hoạch dưới mức đảm bảo: hoàn tiền phần thiếu, mỗi kg", "If the harvest falls short of the guarantee: the shortfall refunded, per kg";
    ShortfallCredit => "Nếu thu hoạch dưới mức đảm bảo: bù phần thiếu bằng tín dụng, mỗi kg", "If the harvest falls short of the guarantee: the shortfall credited, per kg";
    AlreadyAdopted => "Cây đã có người nhận nuôi (hoặc đang thanh toán) mùa này.", "Someone has adopted this tree (or is paying for it) this season.";
    IncCare => "Cả mùa chăm sóc, ghi nhật ký công khai", "A season of care, logged publicly";
    IncDelivery => "Quả giao tận nhà", "Fruit delivered to your door";
    IncPickup => "Tự đến vườn hái quả", "Pick the fruit yourself on a visit";
    IncVisits => "Được thăm vườn", "Farm visits";
    IncNaming => "Đặt tên cho cây", "Name the tree";
    IncSign => "Biển tên tại gốc cây", "A name sign at the tree";
    IncNoChemicals => "Không phun thuốc hoá học", "No chemical sprays";
    OrderTitle => "Đơn nhận nuôi", "Adoption order";
    PaymentCode => "Mã thanh toán", "Payment code";
    OrderHeldUntil => "Cây được giữ cho bạn đến", "The tree is held for you until";
    HoldLeft => "còn {left}", "{left} left";
    MinutesCount => "{n} phút", "{n} minutes";
    OneMinute => "1 phút", "1 minute";
    // The countdown's units once it ticks: "14 phút 05 giây", "14 min 05 s".
    MinutesUnit => "phút", "min";
    SecondsUnit => "giây", "s";
    AdoptAgain => "Nhận nuôi lại cây này", "Adopt this tree again";
    OrderPaid => "Đã thanh toán: cây là của bạn mùa này. Nhật ký chăm sóc sẽ cập nhật trên trang cây.", "Paid: the tree is yours this season. Its care diary keeps growing on the tree's page.";
    OrderExpired => "Hết thời gian giữ cây. Nếu cây còn trống, bạn có thể nhận nuôi lại.", "The hold has expired. If the tree is still free, you can adopt it again.";
    OrderCancelled => "Thanh toán đã huỷ; cây đã được trả lại.", "The payment was cancelled; the tree is free again.";
    OrderRefundDue => "Tiền đến sau khi hết giờ giữ cây và cây đã có người khác nhận: hợp tác xã sẽ hoàn tiền cho bạn.", "Your payment arrived after the hold ended and another buyer took the tree: the cooperative will refund you.";
    PayWithVnpay => "Thanh toán qua VNPay", "Pay with VNPay";
    PayByTransfer => "Hoặc chuyển khoản VietQR", "Or pay by VietQR bank transfer";
    TransferHowTo => "Quét mã bằng ứng dụng ngân hàng bất kỳ; giữ nguyên số tiền và nội dung chuyển khoản.", "Scan with any bank app; keep the amount and the transfer memo as they are.";
    BankBin => "Ngân hàng (BIN)", "Bank (BIN)";
    AccountNumber => "Số tài khoản", "Account number";
    AccountHolder => "Chủ tài khoản", "Account holder";
    TransferMemo => "Nội dung", "Memo";
    CheckPayment => "Kiểm tra thanh toán", "Check the payment";
    MoneyAmount => "Số tiền", "Amount";
    NoPaymentMethod => "Hợp tác xã chưa nhận thanh toán trực tuyến; hãy liên hệ hợp tác xã.", "The cooperative does not take online payments yet; contact the cooperative.";
    OrderNotFound => "Không tìm thấy đơn này (hãy đăng nhập bằng tài khoản đã đặt).", "Order not found (sign in with the account that placed it).";
    SeeTheTree => "Xem trang cây", "See the tree's page";
    CertificateTitle => "Giấy chứng nhận nhận nuôi cây", "Tree adoption certificate";
    CertifiesYou => "Chứng nhận bạn đã nhận nuôi cây {tree} của {coop} trong mùa vụ {season} ({dates}).", "This certifies that you adopted the tree {tree} of {coop} for the {season} season ({dates}).";
    CertifiesAdopter => "Chứng nhận người nhận nuôi mang mã {adoption} đã nhận nuôi cây {tree} của {coop} trong mùa vụ {season} ({dates}).", "This certifies that the adopter known as {adoption} adopted the tree {tree} of {coop} for the {season} season ({dates}).";
    CertificateDetails => "Chi tiết", "Details";
    CertificateIntro => "Việc nhận nuôi này được ghi vào sổ công khai của hợp tác xã và không thể bị sửa mà không bị phát hiện.", "This adoption is written in the cooperative's public ledger and cannot be changed without it showing.";
    AdoptionRef => "Mã nhận nuôi", "Adoption reference";
    AdoptedOn => "Ngày nhận nuôi", "Adopted on";
    LedgerEntry => "Mục trong sổ", "Ledger entry";
    LedgerProof => "Bằng chứng chống sửa đổi (chi tiết kỹ thuật)", "Proof it cannot be altered (technical details)";
    SignedCheckpoint => "Mốc đã ký bởi hợp tác xã", "Checkpoint signed by the cooperative";
    HowToVerify => "Cách tự kiểm chứng: tải lịch sử của cây và chạy goc verify-file, hoặc mở trang cây để điện thoại của bạn kiểm chứng.", "Check it yourself: download the tree's history and run goc verify-file, or open the tree's page and let your phone verify it.";
    PrintablePdf => "Bản in (PDF)", "Printable PDF";
    Certificate => "Giấy chứng nhận", "Certificate";
    MyTrees => "Cây của tôi", "My trees";
    Harvested => "Thu hoạch", "Harvested";
    HarvestMetGuarantee => "đạt mức đảm bảo", "the guarantee was met";
    ShortfallRefunded => "phần thiếu được hoàn", "the shortfall refunded:";
    ShortfallCredited => "phần thiếu được bù bằng tín dụng", "the shortfall credited:";
    PublishOffer => "Mở bán nhận nuôi cây này", "Offer this tree for adoption";
    SeasonStart => "Mùa vụ bắt đầu", "Season starts";
    SeasonEnd => "Mùa vụ kết thúc", "Season ends";
    OfferPriceVnd => "Giá cả mùa (đ)", "Price for the season (VND)";
    OfferPriceHint => "Hoặc để trống và nhập giá mỗi kg và tiền chăm sóc", "Or leave it empty and give a price per kg and the care";
    OfferPerKg => "Giá quả mỗi kg (đ)", "Fruit price per kg (VND)";
    OfferCare => "Tiền chăm sóc (đ)", "Care (VND)";
    ExpectedMinKg => "Sản lượng dự kiến từ (kg)", "Expected harvest from (kg)";
    ExpectedMaxKg => "đến (kg)", "to (kg)";
    GuaranteedKg => "Đảm bảo tối thiểu (kg)", "Guaranteed minimum (kg)";
    DeliveriesCount => "Số lần giao quả", "Deliveries of fruit";
    ShortfallPolicy => "Khi thu hoạch dưới mức đảm bảo", "When the harvest falls short";
    PolicyCredit => "Bù phần thiếu bằng tín dụng", "Credit the shortfall";
    PolicyRefund => "Hoàn tiền phần thiếu", "Refund the shortfall";
    ShortfallPerKg => "Giá bù mỗi kg thiếu (đ)", "Shortfall price per kg (VND)";
    OfferPublished => "Đã mở bán nhận nuôi cây.", "The tree is offered for adoption.";
    CareRequest => "Gửi yêu cầu chăm sóc cho hợp tác xã", "Ask the cooperative about your tree's care";
    SendRequest => "Gửi", "Send";
    AwaitingAnswer => "Đang chờ hợp tác xã trả lời", "Waiting for the cooperative's answer";
    RequestSent => "Đã gửi yêu cầu cho hợp tác xã.", "Your request went to the cooperative.";
    OrdersCsv => "Tải đơn nhận nuôi và thanh toán (CSV)", "Download adoption orders and payments (CSV)";
    NoTreesYet => "Bạn chưa nhận nuôi cây nào.", "You have not adopted a tree yet.";
    LatestCare => "Chăm sóc gần nhất", "Latest care";
    ScanLabel => "📷 Quét tem cây", "📷 Scan a tree's label";
    LabelGenuine => "✔ Tem thật của cây này.", "✔ This tree's genuine label.";
    LabelForged => "⚠ Tem này không xác thực được cho cây này: có thể là tem giả hoặc dán nhầm cây. Hãy báo quản lý hợp tác xã.", "⚠ This label does not verify for this tree: it may be forged or on the wrong tree. Tell the cooperative's manager.";
    Close => "Đóng", "Close";
    NeverCared => "chưa được chăm sóc lần nào", "never cared for";
    TreeCode => "Mã cây", "Tree code";
    AllZones => "Tất cả vùng", "All zones";
    DiaryReportTitle => "Nhật ký của hợp tác xã", "The cooperative's diary";
    DiaryReportLink => "Nhật ký chăm sóc (theo cây, vùng, người ghi, tuần)", "Care diary (by tree, zone, recorder, week)";
    AllRecorders => "Tất cả người ghi", "Everyone";
    Week => "Tuần", "Week";
    Recorder => "Người ghi", "Recorded by";
    QuietDays => "Cây chưa chăm sóc quá (ngày)", "Trees without care for more than (days)";
    ShowReport => "Xem", "Show";
    QuietTrees => "Cây lâu chưa được chăm sóc", "Trees without care for a while";
    LastCare => "lần cuối", "last";
    IntervalFlags => "Thu hoạch trong thời gian cách ly", "Harvests inside a pre-harvest interval";
    Truncated => "Chỉ hiện 1.000 mục mới nhất; hãy lọc hẹp hơn.", "Only the newest 1,000 entries are shown; narrow the filter.";
    NoEntriesMatch => "Không có mục nào khớp.", "No entries match.";
    Days => "ngày", "days";
    IntervalUntil => "Đang cách ly đến", "Pre-harvest interval until";
    Tagline => "Mỗi cây một danh tính, một câu chuyện không thể sửa.", "Every tree an identity, a story that cannot be rewritten.";
    SwitchLanguage => "English", "Tiếng Việt";
    SwitchLanguageLabel => "Chuyển sang tiếng Anh", "Switch to Vietnamese";
    Cooperatives => "Hợp tác xã", "Cooperatives";
    NoCooperatives => "Chưa có hợp tác xã nào.", "No cooperatives yet.";
    Zones => "vùng trồng", "zones";
    Trees => "cây", "trees";
    TreesOf => "Các cây của hợp tác xã", "Trees of the cooperative";
    Species => "Loài", "Species";
    Variety => "Giống", "Variety";
    Planted => "Ngày trồng", "Planted";
    Age => "Tuổi cây", "Age";
    Years => "năm", "years";
    UnderOneYear => "dưới 1 năm", "under a year";
    Cooperative => "Hợp tác xã", "Cooperative";
    Zone => "Vùng trồng", "Growing zone";
    ZoneCode => "Mã số vùng trồng", "Zone code";
    NotRegistered => "chưa được cấp mã", "not yet registered";
    Area => "Diện tích", "Area";
    Location => "Vị trí", "Location";
    Status => "Trạng thái", "Status";
    Active => "Đang chăm sóc", "Active";
    Removed => "Đã loại bỏ", "Removed";
    VerifiedBy => "Xác thực: do", "Verified: issued by";
    VerifiedIssued => "cấp", "";
    NotVerifiedTitle => "Cảnh báo: không xác thực được tem QR này", "Warning: this QR label could not be verified";
    NotVerifiedBody => "Chữ ký không khớp với khoá của hợp tác xã. Tem có thể bị làm giả, bị sửa, hoặc đã bị thu hồi. Đừng tin thông tin dưới đây.", "The signature does not match the cooperative's key. The label may be forged, altered or revoked. Do not trust the details below.";
    UnapprovedTitle => "Hợp tác xã này chưa được Gốc xác minh", "Gốc has not verified this cooperative yet";
    UnapprovedBody => "Hợp tác xã mới đăng ký; Gốc chưa kiểm tra đây đúng là hợp tác xã thật. Hãy thận trọng cho đến khi được xác minh.", "It registered recently and Gốc has not yet checked that it is the real cooperative. Be careful until it is verified.";
    PendingCooperatives => "Hợp tác xã chờ xác minh", "Cooperatives waiting for verification";
    Approve => "Xác minh", "Verify";
    CoopApproved => "Đã xác minh hợp tác xã.", "Cooperative verified.";
    SearchTrees => "Tìm cây (mã, giống, vùng)", "Find trees (code, variety, zone)";
    Search => "Tìm", "Search";
    Pages => "Các trang", "Pages";
    Previous => "← Trang trước", "← Previous";
    Next => "Trang sau →", "Next →";
    RemovedTitle => "Cây này đã bị loại khỏi sổ đăng ký", "This tree was removed from the register";
    RemovedBody => "Tem vẫn là tem thật của hợp tác xã, nhưng cây không còn được chăm sóc hay bán. Đừng nhận nuôi cây này.", "The label is the cooperative's own, but the tree is no longer cared for or sold. Do not adopt it.";
    ContradictionTitle => "Thông tin về cây này chưa nhất quán", "The facts about this tree do not agree";
    OpenedByLink => "Mở bằng đường dẫn, chưa quét tem", "Opened by a link, not by scanning a label";
    OpenedByLinkBody => "Trang này có thật trên Gốc. Để chắc cây trước mặt bạn đúng là cây này, hãy quét tem QR trên cây.", "This page is genuine on Gốc. To be sure the tree in front of you is this one, scan the QR label on the tree.";
    ShowSignature => "Chi tiết kỹ thuật của tem", "The label's technical details";
    KeyId => "Mã khoá", "Key ID";
    SignedUrl => "Địa chỉ đã ký", "Signed address";
    DownloadHistory => "Tải toàn bộ lịch sử để tự kiểm tra (tệp cho chuyên gia)", "Download the whole history to check it yourself (a file for experts)";
    PublicKeys => "Khoá kiểm tra tem của hợp tác xã (cho chuyên gia)", "The cooperative's label-checking keys (for experts)";
    GenuineLabel => "Tem thật, đúng cây", "A genuine label, for tree";
    HouseholdsUnit => "hộ", "households";
    TreeNotFound => "Không tìm thấy cây này.", "This tree was not found.";
    CoopNotFound => "Không tìm thấy hợp tác xã này.", "This cooperative was not found.";
    PageNotFound => "Không tìm thấy trang.", "Page not found.";
    ServerError => "Có lỗi xảy ra, vui lòng thử lại sau.", "Something went wrong, please try again later.";
    Loading => "Đang tải…", "Loading…";
    Home => "Trang chủ", "Home";
    ZoneOutline => "Ranh giới vùng trồng", "Zone boundary";
    Map => "Bản đồ", "Map";
    AddSpecies => "Thêm loài cây (quản trị nền tảng)", "Add a species (platform admin)";
    SpeciesKey => "Mã loài (chữ thường, ví dụ durian)", "Species key (lower case, e.g. durian)";
    NameVi => "Tên tiếng Việt", "Vietnamese name";
    NameEn => "Tên tiếng Anh", "English name";
    Scientific => "Tên khoa học", "Botanical name";
    SpeciesAdded => "Đã thêm loài cây.", "Species added.";
    Photos => "Ảnh", "Photos";
    PhotoOf => "Ảnh cây", "Photo of tree";
    AddPhoto => "Thêm ảnh", "Add a photo";
    PhotoFile => "Ảnh (chụp bằng điện thoại hoặc chọn tệp)", "Photo (take one or pick a file)";
    Upload => "Tải lên", "Upload";
    TreeStatus => "Trạng thái cây", "Tree status";
    Reason => "Lý do", "Reason";
    MarkRemoved => "Đánh dấu đã loại bỏ", "Mark as removed";
    MarkActive => "Đưa cây trở lại", "Put the tree back";
    PublicPage => "Xem trang công khai của cây", "See the tree's public page";
    OneLabel => "Tem của cây này", "This tree's label";
    DrawHint => "Chạm lên bản đồ để đặt từng góc của vùng trồng.", "Tap the map to place each corner of the zone.";
    UndoCorner => "Bỏ góc vừa đặt", "Remove the last corner";
    SignUp => "Đăng ký", "Sign up";
    LogIn => "Đăng nhập", "Log in";
    LogOut => "Đăng xuất", "Log out";
    Manage => "Quản lý", "Manage";
    Account => "Tài khoản", "Account";
    PhoneOrEmail => "Số điện thoại hoặc email", "Phone number or email";
    Phone => "Số điện thoại", "Phone number";
    FullName => "Họ tên", "Full name";
    Password => "Mật khẩu", "Password";
    PasswordHint => "Ít nhất 8 ký tự", "At least 8 characters";
    NewPassword => "Mật khẩu mới", "New password";
    CurrentPassword => "Mật khẩu hiện tại", "Current password";
    ChangePassword => "Đổi mật khẩu", "Change password";
    PasswordChanged => "Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.", "Password changed. Every other session was logged out.";
    HaveAccount => "Đã có tài khoản?", "Already have an account?";
    NoAccount => "Chưa có tài khoản?", "No account yet?";
    Invited => "Được hợp tác xã mời? Nhập mã mời", "Invited by a cooperative? Enter your invite code";
    Join => "Nhận lời mời", "Accept an invitation";
    InviteCode => "Mã mời", "Invite code";
    SignInFirst => "Vui lòng đăng nhập để tiếp tục.", "Please log in to continue.";
    Forbidden => "Bạn không có quyền xem trang này.", "You are not allowed to see this page.";
    MyCooperatives => "Hợp tác xã của tôi", "My cooperatives";
    NoMemberships => "Bạn chưa thuộc hợp tác xã nào.", "You do not belong to any cooperative yet.";
    RoleManager => "quản lý", "manager";
    RoleFarmer => "nông dân", "farmer";
    CreateCooperative => "Đăng ký hợp tác xã", "Register a cooperative";
    CoopCode => "Mã hợp tác xã (in trên tem QR)", "Cooperative code (printed in the QR)";
    CoopCodeHint => "2–16 chữ in hoa, số, gạch ngang; ví dụ NA-LH", "2–16 capitals, digits, hyphens; e.g. NA-LH";
    CoopName => "Tên hợp tác xã", "Cooperative name";
    Province => "Tỉnh/thành phố", "Province";
    District => "Quận/huyện", "District";
    Commune => "Xã/phường", "Commune";
    Contact => "Liên hệ", "Contact";
    Gs1Prefix => "Mã doanh nghiệp GS1 (nếu có)", "GS1 company prefix (optional)";
    Create => "Tạo", "Create";
    Add => "Thêm", "Add";
    SigningKey => "Khoá ký số", "Signing key";
    RotateKey => "Đổi khoá ký số", "Rotate the signing key";
    RotateKeyHint => "Đổi khoá khi có kế hoạch (ví dụ mỗi năm) hoặc khi nghi khoá bị lộ. Khoá cũ ký xác nhận khoá mới vào sổ; tem đã in vẫn hợp lệ; tem và mốc kiểm chứng mới được ký bằng khoá mới. Không hoàn tác được.", "Rotate on a schedule (yearly, say) or when you suspect the key leaked. The old key signs the new one into the log; printed labels stay valid; new labels and checkpoints are signed by the new key. It cannot be undone.";
    LostKey => "Khoá bị mất hoặc bị lộ?", "Key lost or stolen?";
    LostKeyHint => "Báo ngay cho quản trị viên Gốc qua điện thoại đã đăng ký: sau khi xác minh, Gốc ký thay khoá cũ để khoá mới được công nhận, vì khoá cũ không còn đáng tin.", "Tell Gốc's administrators at once, from the registered phone: once they have checked, Gốc signs the replacement, since the old key can no longer be trusted.";
    LostKeyAdminHint => "Dùng khi hợp tác xã báo mất hoặc lộ khoá (đã xác minh qua kênh khác): khoá nền tảng ký việc thay khoá.", "Use when the cooperative reports its key lost or stolen (checked by other means): the platform key signs the replacement.";
    ReplaceLostKey => "Thay khoá bị mất (khoá nền tảng ký)", "Replace the lost key (signed by the platform)";
    RotateKeyConfirm => "Tôi hiểu và muốn đổi khoá ký số", "I understand and want to rotate the signing key";
    AddZone => "Thêm vùng trồng", "Add a growing zone";
    ZoneName => "Tên vùng trồng", "Zone name";
    ZoneCodeHint => "Nhập đúng như trên giấy chứng nhận, ví dụ mã xuất khẩu VN-DTOR-0017; để trống nếu chưa được cấp", "Enter it as on the certificate, e.g. the export code VN-DTOR-0017; leave empty if not yet registered";
    ZoneCodePackingHouse => "Mã PH là mã cơ sở đóng gói, không phải vùng trồng: hãy kiểm tra lại", "A PH code is a packing house, not a growing area: please check it";
    ZoneCodeUnrecognised => "Dạng mã này chưa được đối chiếu; đã lưu đúng như nhập, hãy kiểm tra với giấy chứng nhận", "This code's form is not one we can check; it is stored as entered, please compare it with the certificate";
    Crops => "Cây trồng (cách nhau bởi dấu phẩy)", "Crops (comma-separated)";
    DecimalHint => "Dùng dấu phẩy cho phần thập phân, ví dụ 2,5", "A decimal comma or point, e.g. 2,5 or 2.5";
    AreaHa => "Diện tích (ha)", "Area (ha)";
    Households => "Số hộ", "Households";
    Boundary => "Ranh giới (dán GeoJSON hoặc KML, hoặc chọn tệp)", "Boundary (paste GeoJSON or KML, or pick a file)";
    UnderOneHa => "Dưới 1 ha: chưa đủ diện tích tối thiểu để cấp mã vùng trồng cây lâu năm", "Under 1 ha: below the minimum for a perennial-crop zone code";
    NoZones => "Chưa có vùng trồng.", "No zones yet.";
    AddTree => "Thêm cây", "Add a tree";
    TreeCodeHint => "Để trống để tự tạo (ví dụ CC024)", "Leave empty to generate one (e.g. CC024)";
    Latitude => "Vĩ độ", "Latitude";
    Longitude => "Kinh độ", "Longitude";
    UseMyLocation => "Lấy vị trí hiện tại", "Use my location";
    NoTrees => "Chưa có cây.", "No trees yet.";
    Labels => "In tem QR", "Print QR labels";
    LabelFormat => "Khổ tem", "Label format";
    AllSpecies => "Tất cả loài", "All species";
    PickedTrees => "Chỉ các cây (mã, cách nhau bởi dấu phẩy)", "Only these trees (codes, comma-separated)";
    DownloadPdf => "Tải PDF", "Download PDF";
    Members => "Thành viên", "Members";
    AddMember => "Mời thành viên theo số điện thoại", "Invite a member by phone number";
    AddMemberHint => "Người được mời nhận lời bằng chính số điện thoại này, với mã mời bạn đưa cho họ.", "The invited person accepts with this very phone number and the code you hand them.";
    Role => "Vai trò", "Role";
    InviteGiven => "Đã tạo lời mời. Đưa mã này cho người được mời (dùng một lần, hạn 14 ngày, chỉ dùng được với số điện thoại đã mời):", "Invitation made. Give this code to the person invited (single use, valid 14 days, works only with the invited phone number):";
    PendingInvitations => "Lời mời đang chờ", "Pending invitations";
    ExpiresOn => "hết hạn", "expires";
    Expired => "đã hết hạn", "expired";
    NewCode => "Cấp mã mới", "New code";
    Withdraw => "Huỷ lời mời", "Withdraw";
    InvitationWithdrawn => "Đã huỷ lời mời; mã cũ không còn dùng được.", "Invitation withdrawn; its code no longer works.";
    RemoveMember => "Xoá khỏi hợp tác xã", "Remove from the cooperative";
    MemberRemoved => "Đã xoá thành viên.", "Member removed.";
    IssueReset => "Cấp mã đặt lại mật khẩu", "Issue a password reset code";
    ResetGiven => "Mã đặt lại mật khẩu (dùng một lần, hạn 24 giờ). Người đó nhập ở trang Quên mật khẩu:", "Password reset code (single use, valid 24 hours). They enter it on the Forgot password page:";
    Copy => "Sao chép", "Copy";
    Copied => "Đã sao chép", "Copied";
    Share => "Chia sẻ", "Share";
    InvitesYouAs => "mời bạn tham gia với vai trò", "invites you to join as";
    InvitationFor => "Lời mời dành cho số điện thoại", "The invitation is for the phone number";
    AcceptInvitation => "Nhận lời mời", "Accept the invitation";
    InvitationInvalid => "Mã mời này không dùng được (sai, đã dùng, đã bị huỷ hoặc đã hết hạn). Hãy xin quản lý hợp tác xã một mã mới.", "This invite code does not work (wrong, used, withdrawn or expired). Ask the cooperative's manager for a new one.";
    NewHere => "Chưa có tài khoản? Tạo tài khoản bằng số điện thoại được mời:", "No account yet? Create one with the invited phone number:";
    LogInToAccept => "Đã có tài khoản? Đăng nhập rồi nhận lời mời", "Already have an account? Log in, then accept";
    JoinedAs => "Bạn đã tham gia hợp tác xã.", "You have joined the cooperative.";
    ZoneAdded => "Đã thêm vùng trồng.", "Zone added.";
    TreeAdded => "Đã thêm cây và ký tem QR cho cây.", "Tree added, its QR identity signed.";
    KeyRotated => "Đã đổi khoá ký số. Tem cũ vẫn hợp lệ.", "Signing key rotated. Earlier labels stay valid.";
    StatusChanged => "Đã cập nhật trạng thái cây.", "Tree status updated.";
    PhotoAdded => "Đã thêm ảnh.", "Photo added.";
    ForgotPassword => "Quên mật khẩu?", "Forgot your password?";
    ResetPassword => "Đặt lại mật khẩu", "Reset your password";
    ResetHint => "Xin quản lý hợp tác xã của bạn một mã đặt lại mật khẩu rồi nhập vào đây. Mọi phiên đăng nhập cũ sẽ bị đăng xuất.", "Ask your cooperative's manager for a reset code and enter it here. Every earlier session will be logged out.";
    ResetCode => "Mã đặt lại", "Reset code";
    ImportTrees => "Nhập cây từ tệp CSV", "Import trees from a CSV file";
    ImportHint => "Cột: ma_cay (có thể để trống), loai, giong, ngay_trong (12/04/2019, 2019-04-12 hoặc chỉ năm), vung (mã số hoặc tên), vi_do, kinh_do. Lưu dạng CSV UTF-8.", "Columns: code (may be empty), species, variety, planted_on (12/04/2019, 2019-04-12 or a year alone), zone (code or name), lat, lon. Save as CSV UTF-8.";
    ImportTemplate => "Tải tệp mẫu (CSV)", "Download the template (CSV)";
    CsvFile => "Tệp CSV", "CSV file";
    SkipErrors => "Bỏ qua các dòng lỗi và nhập các dòng đúng", "Skip the rows in error and import the rest";
    Import => "Nhập", "Import";
    ImportErrors => "dòng có lỗi; chưa nhập cây nào. Sửa tệp rồi tải lên lại, hoặc chọn bỏ qua các dòng lỗi.", "rows have errors; nothing was imported. Fix the file and upload it again, or choose to skip the rows in error.";
    Line => "Dòng", "Line";
    Working => "Đang xử lý…", "Working…";
    Progress => "Tiến độ", "Progress";
    LabelsReady => "Tem đã sẵn sàng:", "Labels ready:";
    LabelsWord => "tem", "labels";
    Imported => "Đã nhập xong", "Import finished:";
    JobFailed => "Không thành công; không có gì thay đổi:", "It failed; nothing was changed:";
    BackToCooperative => "Về trang hợp tác xã", "Back to the cooperative";
    DeliverTo => "Giao đến:", "Deliver to:";
    SetCaretaker => "Người chăm vùng này", "Who cares for this zone";
    CaretakerName => "Tên người chăm (hiện trên trang cây)", "The caretaker's name (shown on tree pages)";
    CaretakerHint => "Chỉ ghi tên khi người nông dân đồng ý hiện tên cho người mua.", "Name a farmer only with their consent to be shown to buyers.";
    Save => "Lưu", "Save";
    SettleHint => "Sau khi mùa vụ kết thúc: so sản lượng đã thu (theo nhật ký, hoặc đã gửi nếu nhiều hơn) với mức đảm bảo; phần thiếu được bù theo chính sách của gói, hoàn tiền qua VNPay nếu người mua trả bằng VNPay. Chỉ làm một lần.", "Once the season is over: the harvest (from the diary, or what was sent if more) against the guarantee; a shortfall is made good by the offer's policy, refunded through VNPay if the buyer paid that way. Done once.";
    AdoptedThisSeason => "Cây đã có người nhận nuôi mùa này.", "This tree is adopted for this season.";
    SeeOtherTrees => "Xem các cây khác đang chờ người nhận nuôi", "See other trees waiting for an adopter";
    PaymentRecorded => "Đã ghi nhận thanh toán: đơn đã trả, cây vào sổ là đã được nhận nuôi.", "Payment recorded: the order is paid and the adoption is in the tree's log.";
    PaymentFailedFreed => "Thanh toán không thành công: đơn bị huỷ, cây được mở bán lại.", "The payment failed: the order is cancelled and the tree is free again.";
    PaymentLateRefundDue => "Tiền đến khi cây đã có người khác nhận: cần hoàn tiền cho người mua.", "The money came after another buyer took the tree: it must be refunded.";
    CatalogueTitle => "Nhận nuôi một cây", "Adopt a tree";
    CatalogueIntro => "Chọn một cây, hợp tác xã chăm cả mùa; bạn theo dõi nhật ký đã xác thực và nhận quả khi thu hoạch.", "Choose a tree; the cooperative cares for it all season while you follow its verified diary, and the harvest is yours.";
    BrowseTrees => "Nhận nuôi một cây", "Adopt a tree";
    MaxPrice => "Giá tối đa (đ)", "Highest price (VND)";
    HarvestMonth => "Tháng thu hoạch", "Harvest month";
    Month => "Tháng", "Month";
    Any => "Tất cả", "Any";
    Filter => "Lọc", "Filter";
    TreesOpen => "cây đang chờ người nhận nuôi", "trees waiting for an adopter";
    TreeOpen => "cây đang chờ người nhận nuôi", "tree waiting for an adopter";
    ForCooperatives => "Bạn là hợp tác xã? Đăng ký và quản lý vùng trồng, cây, tem QR", "A cooperative? Register and manage your zones, trees and QR labels";
    NoOpenOffers => "Không có cây nào khớp với bộ lọc.", "No tree matches these filters.";
    NoOrdersYet => "Chưa có đơn nào.", "No orders yet.";
    NoRequestsYet => "Chưa có yêu cầu nào.", "No requests yet.";
    Saved => "Đã lưu.", "Saved.";
    CoopStory => "Câu chuyện hợp tác xã", "The cooperative's story";
    CoopStoryHint => "Người mua đọc đoạn này trên trang của từng cây: các bạn là ai, trồng thế nào.", "Buyers read this on every tree's page: who you are, how you grow.";
    SealScanned => "Tem thật, do", "A genuine label, signed by";
    SealLinked => "Cây có thật trên Gốc, của", "A genuine tree on Gốc, of";
    WhoGrowsIt => "Ai chăm cây này", "Who grows this tree";
    CaredBy => "Người chăm:", "Cared for by";
    AboutTheTree => "Thông tin cây", "About the tree";
    WhyTrustIt => "Vì sao tin được", "Why you can trust it";
    TrustSigned => "Tem QR của cây này do", "This tree's QR label is signed by";
    TrustSignedEnd => " ký bằng khoá riêng của hợp tác xã: tem giả không qua được bước kiểm tra.", " with the cooperative's own key: a forged label fails the check.";
    TrustHistory => "Nhật ký chăm sóc được ghi nối tiếp như một cuốn sổ cái: không ai, kể cả Gốc, sửa hay xoá được một dòng mà không lộ ra. Lịch sử của cây này chưa từng bị sửa; điện thoại của bạn tự kiểm tra lại điều đó.", "The care diary is written like a ledger, each line chained to the one before: nobody, not even Gốc, can change or delete a line without it showing. This tree's history has never been altered; your phone checks that again by itself.";
    Witnessed => "Nhật ký của hợp tác xã đã được {n} nhân chứng độc lập xác nhận là không bị viết lại:", "The cooperative's log has been confirmed not rewritten by {n} independent witnesses:";
    Witnesses => "Nhân chứng độc lập", "Independent witnesses";
    WitnessesHint => "Mỗi mốc sổ cái mới được gửi tới các nhân chứng (một hợp tác xã khác, sở nông nghiệp, hội người mua). Họ chỉ ký xác nhận khi lịch sử nối tiếp đúng những gì họ đã thấy, nên không ai, kể cả máy chủ này, viết lại được quá khứ mà không bị phát hiện. Người mua thấy ai đã xác nhận.", "Each new checkpoint of the log goes to the witnesses (another cooperative, the agriculture office, a buyers' association). They cosign only when the history extends what they saw before, so nobody, not even this server, can rewrite the past unnoticed. Buyers see who vouched.";
    WitnessKey => "Khoá của nhân chứng (vkey, do nhân chứng công bố)", "The witness's key (vkey, as the witness publishes it)";
    WitnessUrl => "Địa chỉ nhận của nhân chứng (ví dụ https://…/witness)", "The witness's submission address (e.g. https://…/witness)";
    AddWitness => "Thêm nhân chứng", "Add witness";
    RemoveWitness => "Bỏ nhân chứng này", "Remove this witness";
    WitnessAdded => "Đã thêm nhân chứng: mốc tiếp theo sẽ được gửi trong vài giây", "Witness added: the next checkpoint goes to it within seconds";
    WitnessRemoved => "Đã bỏ nhân chứng", "Witness removed";
    WitnessQuorum => "Số nhân chứng phải xác nhận trước khi lịch sử được công bố", "Witnesses that must cosign before a history is published";
    WitnessCosigned => "đã xác nhận đến mốc #", "cosigned up to checkpoint #";
    WitnessNone => "chưa xác nhận mốc nào", "has cosigned nothing yet";
    WitnessRefused => "từ chối", "refused";
    WitnessUnreachable => "không liên lạc được", "unreachable";
    WitnessNotPublic => "địa chỉ không thuộc internet công cộng: máy chủ không gửi tới mạng nội bộ", "the address is not on the public internet: the server does not call private networks";
    WitnessInconsistent => "nhân chứng thấy sổ cái không khớp với những gì đã xác nhận trước: cần kiểm tra ngay", "the witness found the log inconsistent with what it cosigned before: look into it now";
    WitnessUnknownLog => "nhân chứng chưa theo dõi sổ cái này: gửi cho họ khoá bên dưới", "the witness does not follow this log yet: send it the key below";
    WitnessUntrustedKey => "nhân chứng chưa tin khoá hiện tại (sau khi đổi khoá, gửi họ khoá mới bên dưới)", "the witness does not trust the current key (after a key change, send it the new key below)";
    LogKeyForWitnesses => "Khoá sổ cái để gửi cho nhân chứng:", "The log's key to give witnesses:";
    PickupOn => "Đến vườn nhận quả ngày", "Pick up at the orchard on";
    TreeNameLabel => "Đặt tên cho cây", "Name your tree";
    SaveName => "Lưu tên", "Save the name";
    HarvestHow => "Nhận quả thế nào", "How you receive the harvest";
    Delivery => "Giao tận nơi", "Delivered";
    Pickup => "Đến vườn nhận", "Picked up at the orchard";
    Address => "Địa chỉ nhận hàng", "Delivery address";
    PickupDay => "Ngày đến nhận", "Pickup day";
    SaveChoice => "Lưu lựa chọn", "Save the choice";
    Shipments => "Đã gửi", "Sent";
    Refunds => "Hoàn tiền", "Refunds";
    GiveTree => "Tặng cây này", "Give this tree";
    GiftMessage => "Lời nhắn cho người nhận", "A message for the recipient";
    MakeGiftLink => "Tạo liên kết quà tặng", "Make a gift link";
    GiftLinkMade => "Gửi liên kết này cho người nhận. Liên kết chỉ hiện một lần và hết hạn sau 15 ngày; nếu không ai nhận, cây vẫn là của bạn.", "Send this link to the recipient. It is shown once and expires in 15 days; if nobody accepts it, the tree stays yours.";
    GiftOpenUntil => "Đang tặng: liên kết còn hạn đến", "Being given: the link is open until";
    WithdrawGift => "Thu hồi quà", "Withdraw the gift";
    GiftWithdrawn => "Đã thu hồi quà: liên kết không còn dùng được.", "The gift is withdrawn: its link no longer works.";
    GiftTitle => "Một cây được tặng cho bạn", "A tree is given to you";
    GiftFrom => "Người tặng:", "From:";
    AcceptGift => "Nhận cây này", "Accept this tree";
    GiftAccepted => "Cây đã là của bạn. Xem trong Cây của tôi.", "The tree is yours. See it under My trees.";
    GiftGone => "Liên kết quà tặng này không còn dùng được (đã nhận, đã thu hồi hoặc quá 15 ngày).", "This gift link can no longer be used (accepted, withdrawn, or older than 15 days).";
    Photos3 => "Ảnh mới nhất", "Latest photos";
    SeasonDates => "Mùa vụ", "Season";
    Notifications => "Thông báo", "Notifications";
    Unread => "chưa đọc", "unread";
    NoNotifications => "Chưa có thông báo nào.", "No notifications yet.";
    Outbox => "Thư chờ gửi", "Mail outbox";
    OutboxHint => "Chưa cấu hình máy chủ thư (GOC_SMTP_URL): thư nằm ở đây.", "No mail server is configured (GOC_SMTP_URL): mail waits here.";
    Sent => "Đã gửi", "Sent";
    NotSent => "Chưa gửi", "Not sent";
    Sales => "Bán nhận nuôi", "Adoption sales";
    Orders => "Đơn hàng", "Orders";
    Buyer => "Người mua", "Buyer";
    ConfirmTransfer => "Xác nhận đã nhận chuyển khoản", "Confirm the transfer by hand";
    LateTransferHint => "Đơn này đã hết hạn hoặc bị huỷ. Chỉ xác nhận khi tiền đã về tài khoản: nếu cây còn trống, việc nhận nuôi được khôi phục; nếu đã có người khác nhận nuôi, khoản tiền được ghi là cần hoàn lại.", "This order lapsed or was cancelled. Confirm only once the money is in the account: if the tree is still free, the adoption goes ahead; if someone else has adopted it, the money is marked to be refunded.";
    BankRef => "Mã giao dịch ngân hàng", "The bank's reference";
    Reconcile => "Hỏi VNPay (đối soát)", "Ask VNPay (reconcile)";
    RefundLate => "Hoàn tiền đến muộn", "Refund the late payment";
    SettleHarvest => "Quyết toán thu hoạch", "Settle the harvest";
    RecordShipment => "Ghi lần gửi quả", "Record a shipment";
    SentOn => "Ngày gửi", "Day sent";
    Kg => "Khối lượng (kg)", "Weight (kg)";
    Carrier => "Đơn vị vận chuyển", "Carrier";
    Tracking => "Mã vận đơn", "Tracking number";
    AnswerRequest => "Trả lời", "Answer";
    CareRequests => "Yêu cầu chăm sóc", "Care requests";
    DownloadCsv => "Tải CSV", "Download CSV";
    Done => "Đã xong.", "Done.";
    StateHeld => "đang giữ", "held";
    StatePaid => "đã trả", "paid";
    StateExpired => "hết hạn", "expired";
    StateCancelled => "đã huỷ", "cancelled";
    StateRefundDue => "cần hoàn tiền", "refund due";
    FilterByState => "Lọc đơn theo trạng thái", "Filter the orders by state";
    AllStates => "Tất cả", "All";
    NoOrdersInState => "Không có đơn nào ở trạng thái này.", "No orders in this state.";
    RefundDone => "đã hoàn qua VNPay", "refunded through VNPay";
    RefundRequested => "đang yêu cầu", "requested";
    RefundFailed => "VNPay từ chối: hợp tác xã sẽ hoàn tay", "refused by VNPay: the cooperative will refund by hand";
    ReconcileNothing => "VNPay chưa thấy thanh toán nào cho đơn này.", "VNPay has seen no payment for this order.";
    AlreadySettled => "Đơn này đã được xác nhận trước đó; không có gì thay đổi.", "This order was settled before; nothing changed.";
    WrongAmount => "Số tiền không khớp với đơn; không có gì thay đổi.", "The amount is not the order's; nothing changed.";
    RefundByHand => "hợp tác xã hoàn bằng chuyển khoản", "refunded by the cooperative by transfer";
    TraceTitle => "Truy xuất và thu hồi", "Trace and recall";
    TraceLink => "Truy xuất, thu hồi", "Trace, recall";
    RecallTitle => "Thu hồi theo lô vật tư", "Recall by input lot";
    RecallHint => "Nhập số lô thuốc hoặc phân như trong nhật ký: thấy mọi cây đã dùng lô đó, quả thu hoạch trong thời gian rủi ro, người nhận nuôi và các lần gửi quả.", "Enter a spray's or fertiliser's lot number as the diary recorded it: see every tree it touched, the fruit harvested inside the risk window, the adopters and the shipments.";
    ProductOptional => "Sản phẩm (không bắt buộc)", "Product (optional)";
    RiskDays => "Số ngày rủi ro sau khi dùng", "Days at risk after use";
    RunRecall => "Truy xuất lô", "Trace the lot";
    TreesTouched => "cây đã dùng", "trees touched";
    AtRisk => "quả có rủi ro", "of fruit at risk";
    AdoptersReached => "người nhận nuôi liên quan", "adopters reached";
    AdoptersReachedTitle => "Người nhận nuôi và lần gửi quả", "Adopters and shipments";
    Applications => "Các lần dùng lô", "Where the lot was used";
    HarvestsAtRisk => "Thu hoạch trong thời gian rủi ro", "Harvests inside the risk window";
    LotNotFound => "Nhật ký không có lô này.", "No diary entry names this lot.";
    NoneFound => "Không có.", "None.";
    Shipped => "Đã gửi", "Shipped";
    TellAdopters => "Báo cho những người nhận nuôi này", "Tell these adopters";
    AdoptersTold => "người nhận nuôi đã được báo (ai đã được báo trước đó thì không báo lại).", "adopters told (anyone told before is not told again).";
    TracebackTitle => "Truy ngược từ một cây", "Trace back from a tree";
    TracebackHint => "Từ một cây (và ngày thu hoạch, nếu có): mọi vật tư đã dùng trước đó và các lần thu hoạch.", "From a tree (and a harvest's day, if any): every input applied before it and the harvests.";
    HarvestDay => "Ngày thu hoạch (bỏ trống: hôm nay)", "Harvest day (empty: today)";
    DaysBack => "Số ngày truy ngược", "Days back";
    RunTraceback => "Truy ngược", "Trace back";
    PhiViolations => "lần thu hoạch trong thời gian cách ly", "harvests inside a pre-harvest interval";
    InsidePhi => "trong thời gian cách ly", "inside the pre-harvest interval";
    PhiDays => "ngày cách ly", "days' interval";
    Inputs => "Vật tư đã dùng", "Inputs applied";
    Harvests => "Thu hoạch", "Harvests";
    WithdrawnShort => "đã rút lại", "withdrawn";
    AmendedShort => "bản sửa", "amended";
    Product => "Sản phẩm", "Product";
    ReportsTitle => "Báo cáo mùa vụ", "Season report";
    ReportsLink => "Báo cáo", "Reports";
    RevenuePerTree => "Thu nhận nuôi / cây", "Adoption revenue per tree";
    FruitOnly => "Chỉ bán quả / cây", "Fruit only, per tree";
    AgainstFruit => "So với chỉ bán quả", "Against selling the fruit";
    TreesCount => "Số cây", "Trees";
    AdoptedCount => "Cây được nhận nuôi", "Trees adopted";
    Revenue => "Doanh thu nhận nuôi", "Adoption revenue";
    HarvestTotal => "Tổng thu hoạch", "Harvest";
    Answered => "đã trả lời", "answered";
    IdleTrees => "Cây lâu chưa chăm", "Trees without care";
    DaysShort => "ngày", "days";
    PhiViolationsTitle => "Thu hoạch trong thời gian cách ly", "Harvests inside a pre-harvest interval";
    AdoptionAndMoney => "Nhận nuôi và thu nhập", "Adoption and income";
    EnterFruitPrice => "Nhập giá quả tại địa phương (đ/kg) để so sánh với chỉ bán quả.", "Enter the local fruit price (VND/kg) to compare with selling the fruit.";
    HarvestByZone => "Thu hoạch theo vùng", "Harvest by zone";
    HarvestByVariety => "Thu hoạch theo giống", "Harvest by variety";
    HarvestByTreeCsv => "Thu hoạch từng cây (CSV)", "Harvest of each tree (CSV)";
    DiaryActivity => "Nhật ký theo tuần", "Diary entries per week";
    WeekOf => "Tuần từ", "Week of";
    Entries => "Số mục", "Entries";
    From => "Từ ngày", "From";
    To => "Đến ngày", "To";
    FruitPrice => "Giá quả địa phương (đ/kg)", "Local fruit price (VND/kg)";
    IdleDays => "Chưa chăm quá (ngày)", "Without care for (days)";
    DigitalLinkQr => "QR theo chuẩn GS1 Digital Link", "GS1 Digital Link QR codes";
    ApiTokens => "Khoá API cho hệ thống khác", "API tokens for other systems";
    ApiTokensHint => "Một khoá cho phép một hệ thống khác (kế toán, cổng truy xuất của tỉnh) đọc dữ liệu của hợp tác xã qua API (mô tả tại /api/v1/openapi.json), không sửa được gì. Khoá chỉ hiện một lần; thu hồi khi không dùng nữa.", "A token lets another system (accounting, the province's traceability portal) read the cooperative's data through the API (described at /api/v1/openapi.json) and change nothing. It is shown once; revoke it when it is no longer used.";
    ApiTokenName => "Tên (hệ thống nào dùng)", "Name (which system uses it)";
    IssueApiToken => "Tạo khoá", "Create a token";
    ApiTokenIssued => "Khoá API mới: chép vào hệ thống kia ngay, khoá không hiện lại.", "New API token: copy it into the other system now; it is not shown again.";
    RevokeApiToken => "Thu hồi", "Revoke";
    ApiTokenRevoked => "Đã thu hồi", "Revoked";
    ApiTokenUnused => "chưa dùng", "never used";
    ApiTokenLastUsed => "dùng lần cuối", "last used";
    ExportTitle => "Sao lưu toàn bộ dữ liệu", "Back up all data";
    ExportHint => "Một tệp chứa mọi thứ của hợp tác xã: vùng trồng, cây, nhật ký, sổ cái, ảnh, gói nhận nuôi và đơn hàng. Khoá ký được khoá bằng mật khẩu bảo vệ bạn đặt dưới đây; cần mật khẩu này để nhập tệp vào một máy chủ Gốc khác. Hãy cất tệp và mật khẩu ở hai nơi khác nhau.", "One file with everything the cooperative holds: zones, trees, diaries, the ledger, photos, offers and orders. The signing key is locked with the passphrase you set below; importing the file into another Gốc server needs it. Keep the file and the passphrase in different places.";
    ExportPassphrase => "Mật khẩu bảo vệ (ít nhất 12 ký tự)", "Passphrase (at least 12 characters)";
    ExportPassphraseAgain => "Nhập lại mật khẩu bảo vệ", "The passphrase again";
    ExportDownload => "Tải tệp sao lưu", "Download the archive";
    Gs1Hint => "Khi có mã doanh nghiệp GS1 (Việt Nam: bắt đầu bằng 893), mỗi cây, vùng trồng và lô quả có địa chỉ GS1 Digital Link; hệ thống truy xuất khác và máy quét bán lẻ đọc được.", "With a GS1 company prefix (Vietnam's start with 893), every tree, zone and harvest lot gets a GS1 Digital Link address that other traceability systems and retail scanners read.";
}

impl Msg {
    /// The message with its named slots (`{tree}`) filled in one pass: a value that holds
    /// a slot's name itself (a tree its adopter named "{coop}") stays as it was typed.
    pub fn fill(self, locale: Locale, values: &[(&str, &str)]) -> String {
        let mut out = String::new();
        let mut rest = self.text(locale);
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let slot = after.find('}').and_then(|close| {
                let name = &after[..close];
                let value = values.iter().find(|(k, _)| *k == name)?.1;
                Some((value, close))
            });
            match slot {
                Some((value, close)) => {
                    out.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// A refund's state in the reader's language.
pub fn refund_state(state: &str, l: Locale) -> &'static str {
    match state {
        "done" => Msg::RefundDone,
        "requested" => Msg::RefundRequested,
        "failed" => Msg::RefundFailed,
        _ => Msg::RefundByHand,
    }
    .text(l)
}

/// An order's state in the reader's language.
pub fn order_state(state: &str, l: Locale) -> &'static str {
    match state {
        "held" => Msg::StateHeld,
        "paid" => Msg::StatePaid,
        "expired" => Msg::StateExpired,
        "cancelled" => Msg::StateCancelled,
        _ => Msg::StateRefundDue,
    }
    .text(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_both_languages() {
        assert_eq!(Msg::Cooperatives.text(Locale::En), "Cooperatives");
    }

    #[test]
    fn slots_are_filled_and_unknown_ones_kept() {
        assert_eq!(
            Msg::MinutesCount.fill(Locale::En, &[("n", "14")]),
            "14 minutes"
        );
        assert_eq!(Msg::HoldLeft.fill(Locale::En, &[]), "{left} left");
        // A tree its adopter named "{coop}" keeps that name: each slot is filled once.
        let values = [
            ("tree", "{coop}"),
            ("coop", "HTX Na"),
            ("season", "2027"),
            ("dates", "…"),
        ];
        assert_eq!(
            Msg::CertifiesYou.fill(Locale::En, &values),
            "This certifies that you adopted the tree {coop} of HTX Na for the 2027 season (…)."
        );
    }

    #[test]
    fn numbers_and_dates_read_the_way_each_language_writes_them() {
        assert_eq!(Locale::Vi.number(12.5, 2), "12,5");
        assert_eq!(Locale::En.number(12.5, 2), "12.5");
        assert_eq!(Locale::Vi.number(5_500_000.0, 0), "5.500.000");
        assert_eq!(Locale::En.number(1250.75, 2), "1,250.75");
        assert_eq!(Locale::Vi.number(-0.001, 2), "0");
        assert_eq!(Locale::Vi.number(-3.0, 0), "-3");
        let d = ledger::Date::new(2016, 2, 2).unwrap();
        assert_eq!(Locale::Vi.date(d), "02/02/2016");
        assert_eq!(Locale::En.date(d), "2016-02-02");
    }
}
