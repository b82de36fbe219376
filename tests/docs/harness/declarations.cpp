// Harness for a block of whole declarations (functions, types) with no main(): the block is
// compiled at file scope, after its own #include lines, and linked with an empty main. Nothing
// runs; use it for blocks whose peer (a KDC, a realm) a test cannot provide.
// @DOCTEST_PRELUDE@
// @DOCTEST_BODY@
int main() { return 0; }
