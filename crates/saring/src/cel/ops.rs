//! CEL operators over runtime values (arithmetic, comparison, membership) and their typing.
