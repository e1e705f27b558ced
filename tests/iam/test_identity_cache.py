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
