from textinsight.stages.normalize import display_text, normalize_text


def test_mentions_links_hashtags_entities_are_normalised() -> None:
    assert normalize_text("@SkyAir thanks &amp; #NeverAgain https://t.co/x1") == (
        "thanks & Never Again"
    )
    assert normalize_text("RT @a: Win a trip! #contest") == "Win a trip! contest"
    assert normalize_text("see www.example.com now") == "see now"


def test_plain_text_is_returned_unchanged() -> None:
    text = "Hej!\n\nPakken kom ikke.  \n Mvh"
    assert normalize_text(text) is text
    assert normalize_text("mail me at a@b.com") == "mail me at a@b.com"


def test_a_post_of_mentions_only_keeps_something_to_embed() -> None:
    assert normalize_text("@x @y") == "@x @y"


def test_display_text_only_decodes_entities() -> None:
    assert display_text("@SAS fish &amp; chips &lt;3") == "@SAS fish & chips <3"
