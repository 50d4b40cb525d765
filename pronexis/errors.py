class Refused(Exception):
    """A domain rule refuses this change (a lead transition, a second answer, an overlap).

    The message names the rule, in words an owner or agent understands. The API answers 409
    with it in `detail`; portal views show it in place with 409.
    """
