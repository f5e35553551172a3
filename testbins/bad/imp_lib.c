/*
 * imp_lib.c - a DLL that exports imp_f1 only. imp_lib.def, from which the
 * executable's import library is made, declares imp_f2 too: the loader
 * must refuse the executable, naming imp_lib.dll!imp_f2.
 */
__declspec(dllexport) int imp_f1(void)
{
    return 1;
}
