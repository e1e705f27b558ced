"""per_object: results kept per object identity, bounded."""
from synthaudit.iam.identity_cache import per_object


def test_equal_copies_are_separate_entries_and_the_table_is_bounded():
    calls = []

    @per_object(limit=2)
    def size(obj, ignored=None):
        calls.append(obj)
        return len(obj)

    a, b, c = [1, 2], [1, 2], [3]
    assert (size(a), size(a, "other"), size(b)) == (2, 2, 2)
    assert len(calls) == 2          # a once (the second argument is not part of the key), b apart from a
    size(c)                         # third entry: the table was full and is emptied first
    size(a)
    assert len(calls) == 4


def test_object_table_keys_by_identity_and_extra_key():
    from synthaudit.iam.identity_cache import ObjectTable

    table = ObjectTable()
    a, b = [1], [1]                 # equal, not the same object
    assert table.put(a, "a-deny", "Deny") == "a-deny"
    table.put(a, "a-allow", "Allow")
    assert (table.get(a, "Deny"), table.get(a, "Allow")) == ("a-deny", "a-allow")
    assert table.get(b, "Deny") is None and table.get(b, "Deny", default=0) == 0
    assert table.get(a) is None     # no extra key is a key of its own


def test_object_table_holds_its_objects_and_is_bounded():
    import gc

    from synthaudit.iam.identity_cache import ObjectTable

    table = ObjectTable(limit=2)
    table.put([1], "first")         # the only reference to this list is the table's
    gc.collect()
    assert len(table) == 1 and table.get([1]) is None   # a new list never takes over the old one's entry
    x, y = [2], [3]
    table.put(x, "x")               # second entry
    table.put(y, "y")               # full: emptied first
    assert (len(table), table.get(x), table.get(y)) == (1, None, "y")
