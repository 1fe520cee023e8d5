from geoplan.link.names import exact_key, fold, folded_key, strip_type, unit_type


def test_tone_mark_placement_is_irrelevant_but_tones_are_not():
    assert exact_key("Hoà Bình") == exact_key("Hòa Bình")
    assert exact_key("Thuỷ") == exact_key("Thủy")
    assert exact_key("Hòa") != exact_key("Hóa")
    assert folded_key("Hòa") == folded_key("Hóa") == "hoa"


def test_type_prefixes_are_dropped_and_kept_apart():
    assert exact_key("Thị trấn Nhà Bàng") == exact_key("Phường Nhà Bàng") == "nhà bàng"
    assert exact_key("Thành phố Hà Nội") == exact_key("Hà Nội")
    assert unit_type("Thị trấn Nhà Bàng") == "thị trấn"
    assert unit_type("Xã Nhà Bàng") == "xã"
    assert strip_type("đặc khu lý sơn") == "lý sơn"


def test_spacing_hyphens_numbers_and_unicode_forms():
    assert exact_key("Tỉnh Bà Rịa - Vũng Tàu") == exact_key("Bà Rịa-Vũng Tàu")
    assert exact_key("Phường 01") == exact_key("Phường 1")
    decomposed = "Tho\u031b\u0301i So\u031bn"  # NFD input
    assert exact_key(decomposed) == exact_key("Thới Sơn")
    assert fold("Đồng Tháp") == "dong thap"


def test_an_escaped_apostrophe_left_in_a_layer_is_the_apostrophe():
    """The c.2013 layer writes "Xã Đắk R\\'Măng" (a backslash before the apostrophe)."""
    assert exact_key("Xã Đắk R\\'Măng") == exact_key("Xã Đắk R'Măng") == "đắk r'măng"


def test_any_run_of_whitespace_is_one_space_and_none_is_left_at_the_ends():
    assert exact_key("Xã\tA\u00a0 B") == exact_key("Xã A B") == "a b"
    assert exact_key("  Xã  Hoà - Bình ") == "hoà-bình"
    assert exact_key("Đắk R\\") == "đắk r"  # a stray backslash at the end leaves no space behind
    assert exact_key("PHUONG 07") == exact_key("phuong 7") == "phuong 7"  # ASCII text: no tone to move
    assert unit_type("Thành phố trực thuộc trung ương Hà Nội") == "thành phố trực thuộc trung ương"
    assert unit_type("Thành phố Huế") == "thành phố" and unit_type("Tp. Huế") == "tp."
