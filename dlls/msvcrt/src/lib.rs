//! Builtin msvcrt.dll: the C runtime of mingw-w64 programs and of older
//! MSVC ones — start-up and exit, stdio over low-level descriptors over
//! Win32 handles, the printf/scanf engines, strings, the heap.
#![allow(non_snake_case)]

pub mod aligned;
pub mod convert;
pub mod ctime;
pub mod cxx;
pub mod errno;
pub mod format;
pub mod heap;
pub mod lowio;
pub mod math;
pub mod misc;
pub mod printf;
pub mod scanf;
pub mod seh;
pub mod startup;
pub mod stat;
pub mod stdio;
pub mod string;
pub mod thread;
pub mod wconvert;
pub mod wfiles;

use aligned::*;
use convert::*;
use ctime::*;
use cxx::frame::*;
use cxx::rtti::*;
use cxx::std_exception::*;
use cxx::throw::*;
use cxx::type_info::*;
use errno::*;
use format::*;
use heap::*;
use loader::{data_export, export, variadic, BuiltinDll, Export, Failure, LoadedBuiltin};
use lowio::*;
use math::*;
use misc::*;
use seh::*;
use startup::*;
use stat::*;
use stdio::*;
use string::*;
use thread::*;
use wconvert::*;
use wfiles::*;

static EXPORTS: &[Export] = &[
    export!(__C_specific_handler(Ptr, Ptr, Ptr, Ptr)),
    // C++ exceptions (MSVC) and type_info.
    export!(_CxxThrowException(Ptr, Ptr)),
    export!(__CxxFrameHandler3(Ptr, Ptr, Ptr, Ptr)),
    export!(
        "__CxxFrameHandler" = __CxxFrameHandler3,
        (Ptr, Ptr, Ptr, Ptr)
    ),
    export!(
        "__CxxFrameHandler2" = __CxxFrameHandler3,
        (Ptr, Ptr, Ptr, Ptr)
    ),
    export!(__CxxDetectRethrow(Ptr)),
    export!(__CxxExceptionFilter(Ptr, Ptr, Int, Ptr)),
    export!(__CxxQueryExceptionSize()),
    export!(__CxxRegisterExceptionObject(Ptr, Ptr)),
    export!(__CxxUnregisterExceptionObject(Ptr, Int)),
    export!(__uncaught_exception()),
    export!("?terminate@@YAXXZ" = terminate, ()),
    export!("?set_terminate@@YAP6AXXZP6AXXZ@Z" = set_terminate, (Ptr)),
    export!(_get_terminate()),
    export!("?unexpected@@YAXXZ" = unexpected, ()),
    export!("?set_unexpected@@YAP6AXXZP6AXXZ@Z" = set_unexpected, (Ptr)),
    export!(_get_unexpected()),
    export!("??1type_info@@UEAA@XZ" = type_info_destructor, (Ptr)),
    export!(
        "?raw_name@type_info@@QEBAPEBDXZ" = type_info_raw_name,
        (Ptr)
    ),
    export!("?name@type_info@@QEBAPEBDXZ" = type_info_name, (Ptr)),
    export!("??8type_info@@QEBAHAEBV0@@Z" = type_info_equal, (Ptr, Ptr)),
    export!(
        "??9type_info@@QEBAHAEBV0@@Z" = type_info_not_equal,
        (Ptr, Ptr)
    ),
    export!(
        "?before@type_info@@QEBAHAEBV1@@Z" = type_info_before,
        (Ptr, Ptr)
    ),
    data_export!("??_7type_info@@6B@", cxx::type_info::VFTABLE_SIZE),
    // Run-time type information and the exceptions it throws.
    export!(__RTDynamicCast(Ptr, Int, Ptr, Ptr, Int)),
    export!(__RTtypeid(Ptr)),
    export!(__RTCastToVoid(Ptr)),
    export!("??0exception@@QEAA@XZ" = exception_default, (Ptr)),
    export!(
        "??0exception@@QEAA@AEBQEBD@Z" = exception_from_name_ref,
        (Ptr, Ptr)
    ),
    export!(
        "??0exception@@QEAA@AEBQEBDH@Z" = exception_from_name_nocopy,
        (Ptr, Ptr, Int)
    ),
    export!("??0exception@@QEAA@AEBV0@@Z" = exception_copy, (Ptr, Ptr)),
    export!("??1exception@@UEAA@XZ" = exception_destructor, (Ptr)),
    export!(
        "??4exception@@QEAAAEAV0@AEBV0@@Z" = exception_assign,
        (Ptr, Ptr)
    ),
    export!("?what@exception@@UEBAPEBDXZ" = exception_what, (Ptr)),
    data_export!("??_7exception@@6B@", VFTABLE_EXPORT_SIZE),
    export!(
        "??0bad_cast@@AEAA@PEBQEBD@Z" = bad_cast_from_name_ref,
        (Ptr, Ptr)
    ),
    export!(
        "??0bad_cast@@QEAA@AEBQEBD@Z" = bad_cast_from_name_ref,
        (Ptr, Ptr)
    ),
    export!("??0bad_cast@@QEAA@AEBV0@@Z" = bad_cast_copy, (Ptr, Ptr)),
    export!("??0bad_cast@@QEAA@PEBD@Z" = bad_cast_from_name, (Ptr, Ptr)),
    export!("??1bad_cast@@UEAA@XZ" = exception_destructor, (Ptr)),
    export!(
        "??4bad_cast@@QEAAAEAV0@AEBV0@@Z" = exception_assign,
        (Ptr, Ptr)
    ),
    data_export!("??_7bad_cast@@6B@", VFTABLE_EXPORT_SIZE),
    export!("??_Fbad_cast@@QEAAXXZ" = bad_cast_default, (Ptr)),
    export!("??0bad_typeid@@QEAA@AEBV0@@Z" = bad_typeid_copy, (Ptr, Ptr)),
    export!(
        "??0bad_typeid@@QEAA@PEBD@Z" = bad_typeid_from_name,
        (Ptr, Ptr)
    ),
    export!("??1bad_typeid@@UEAA@XZ" = exception_destructor, (Ptr)),
    export!(
        "??4bad_typeid@@QEAAAEAV0@AEBV0@@Z" = exception_assign,
        (Ptr, Ptr)
    ),
    data_export!("??_7bad_typeid@@6B@", VFTABLE_EXPORT_SIZE),
    export!("??_Fbad_typeid@@QEAAXXZ" = bad_typeid_default, (Ptr)),
    export!(
        "??0__non_rtti_object@@QEAA@AEBV0@@Z" = non_rtti_object_copy,
        (Ptr, Ptr)
    ),
    export!(
        "??0__non_rtti_object@@QEAA@PEBD@Z" = non_rtti_object_from_name,
        (Ptr, Ptr)
    ),
    export!(
        "??1__non_rtti_object@@UEAA@XZ" = exception_destructor,
        (Ptr)
    ),
    export!(
        "??4__non_rtti_object@@QEAAAEAV0@AEBV0@@Z" = exception_assign,
        (Ptr, Ptr)
    ),
    data_export!("??_7__non_rtti_object@@6B@", VFTABLE_EXPORT_SIZE),
    // Start-up and exit.
    export!(__getmainargs(Ptr, Ptr, Ptr, Int, Ptr)),
    export!(__wgetmainargs(Ptr, Ptr, Ptr, Int, Ptr)),
    export!(__p___argc()),
    export!(__p___argv()),
    export!(__p___wargv()),
    export!(__p__environ()),
    export!(__p__wenviron()),
    export!(__p___initenv()),
    export!(__p___winitenv()),
    export!(__p__acmdln()),
    export!(__p__wcmdln()),
    export!(__p__fmode()),
    export!(__p__commode()),
    export!(__set_app_type(Int)),
    export!(__setusermatherr(Ptr)),
    export!(_initterm(Ptr, Ptr)),
    export!(_initterm_e(Ptr, Ptr)),
    export!(_onexit(Ptr)),
    export!(atexit(Ptr)),
    export!(__dllonexit(Ptr, Ptr, Ptr)),
    export!(exit(Int)),
    export!(_exit(Int)),
    export!(_cexit()),
    export!(_c_exit()),
    export!(_amsg_exit(Int)),
    export!(abort()),
    export!(signal(Int, Ptr)),
    export!(raise(Int)),
    export!(_lock(Int)),
    export!(_unlock(Int)),
    export!(_errno()),
    export!(__doserrno()),
    data_export!("__argc", 4),
    data_export!("__argv", 8),
    data_export!("__wargv", 8),
    data_export!("_environ", 8),
    data_export!("_wenviron", 8),
    data_export!("__initenv", 8),
    data_export!("__winitenv", 8),
    data_export!("_acmdln", 8),
    data_export!("_wcmdln", 8),
    data_export!("_fmode", 4),
    data_export!("_commode", 4),
    data_export!("_iob", stdio::FILE_SIZE * stdio::IOB_ENTRIES),
    // Heap.
    export!(malloc(Int)),
    export!(calloc(Int, Int)),
    export!(realloc(Ptr, Int)),
    export!(free(Ptr)),
    export!(_msize(Ptr)),
    export!(_strdup(Str)),
    export!("strdup" = _strdup, (Str)),
    export!(_wcsdup(WStr)),
    export!(_aligned_malloc(Int, Int)),
    export!(_aligned_free(Ptr)),
    export!(_aligned_realloc(Ptr, Int, Int)),
    // Low-level I/O.
    export!(_open(Str, Int, Int)),
    export!(_close(Int)),
    export!(_read(Int, Ptr, Int)),
    export!(_write(Int, Ptr, Int)),
    export!(_lseek(Int, Int, Int)),
    export!(_lseeki64(Int, Int, Int)),
    export!(_setmode(Int, Int)),
    export!(_isatty(Int)),
    export!(_get_osfhandle(Int)),
    export!(_open_osfhandle(Ptr, Int)),
    export!(_commit(Int)),
    export!(_eof(Int)),
    // File status (x64 layouts: _stati64 is _stat64, _stat is _stat64i32).
    export!(_stat64(Str, Ptr)),
    export!("_stati64" = _stat64, (Str, Ptr)),
    export!(_wstat64(WStr, Ptr)),
    export!("_wstati64" = _wstat64, (WStr, Ptr)),
    export!("_stat" = _stat64i32, (Str, Ptr)),
    export!(_fstat64(Int, Ptr)),
    export!("_fstati64" = _fstat64, (Int, Ptr)),
    export!("_fstat" = _fstat64i32, (Int, Ptr)),
    // Streams.
    export!(__iob_func()),
    export!(fopen(Str, Str)),
    export!(_wfopen(WStr, WStr)),
    export!(_fdopen(Int, Str)),
    export!(fclose(Ptr)),
    export!(fflush(Ptr)),
    export!(_flushall()),
    export!(fread(Ptr, Int, Int, Ptr)),
    export!(fwrite(Ptr, Int, Int, Ptr)),
    export!(fgetc(Ptr)),
    export!("getc" = fgetc, (Ptr)),
    export!(getchar()),
    export!(fputc(Int, Ptr)),
    export!("putc" = fputc, (Int, Ptr)),
    export!(putchar(Int)),
    export!(fputs(Str, Ptr)),
    export!(puts(Str)),
    export!(fgets(Ptr, Int, Ptr)),
    export!(ungetc(Int, Ptr)),
    export!(feof(Ptr)),
    export!(ferror(Ptr)),
    export!(clearerr(Ptr)),
    export!(fseek(Ptr, Int, Int)),
    export!(_fseeki64(Ptr, Int, Int)),
    export!(ftell(Ptr)),
    export!(_ftelli64(Ptr)),
    export!(rewind(Ptr)),
    export!(fgetpos(Ptr, Ptr)),
    export!(fsetpos(Ptr, Ptr)),
    export!(_fileno(Ptr)),
    export!("fileno" = _fileno, (Ptr)),
    export!(setvbuf(Ptr, Ptr, Int, Int)),
    export!(setbuf(Ptr, Ptr)),
    export!(remove(Str)),
    export!(rename(Str, Str)),
    export!(perror(Str)),
    // Formatted I/O.
    variadic!(printf(Str)),
    variadic!(fprintf(Ptr, Str)),
    variadic!(sprintf(Ptr, Str)),
    variadic!(_snprintf(Ptr, Int, Str)),
    variadic!(_scprintf(Str)),
    export!(vprintf(Str, Ptr)),
    export!(vfprintf(Ptr, Str, Ptr)),
    export!(vsprintf(Ptr, Str, Ptr)),
    export!(_vsnprintf(Ptr, Int, Str, Ptr)),
    export!(_vscprintf(Str, Ptr)),
    variadic!(wprintf(WStr)),
    variadic!(fwprintf(Ptr, WStr)),
    variadic!(swprintf(Ptr, WStr)),
    variadic!(_snwprintf(Ptr, Int, WStr)),
    export!(vwprintf(WStr, Ptr)),
    export!(vfwprintf(Ptr, WStr, Ptr)),
    export!(vswprintf(Ptr, WStr, Ptr)),
    export!(_vsnwprintf(Ptr, Int, WStr, Ptr)),
    variadic!(sscanf(Str, Str)),
    variadic!(swscanf(WStr, WStr)),
    // Strings and memory.
    export!(strlen(Str)),
    export!(strnlen(Str, Int)),
    export!(wcslen(WStr)),
    export!(strcmp(Str, Str)),
    export!(strncmp(Str, Str, Int)),
    export!(_stricmp(Str, Str)),
    export!("_strcmpi" = _stricmp, (Str, Str)),
    export!(_strnicmp(Str, Str, Int)),
    export!(strcpy(Ptr, Str)),
    export!(strncpy(Ptr, Str, Int)),
    export!(strcat(Ptr, Str)),
    export!(strncat(Ptr, Str, Int)),
    export!(strchr(Str, Int)),
    export!(strrchr(Str, Int)),
    export!(strstr(Str, Str)),
    export!(strspn(Str, Str)),
    export!(strcspn(Str, Str)),
    export!(strpbrk(Str, Str)),
    export!(strtok(Str, Str)),
    export!(_strlwr(Str)),
    export!(_strupr(Str)),
    export!(memcpy(Ptr, Ptr, Int)),
    export!(memmove(Ptr, Ptr, Int)),
    export!(memset(Ptr, Int, Int)),
    export!(memcmp(Ptr, Ptr, Int)),
    export!(memchr(Ptr, Int, Int)),
    export!(wcscmp(WStr, WStr)),
    export!(wcsncmp(WStr, WStr, Int)),
    export!(_wcsicmp(WStr, WStr)),
    export!(wcscpy(Ptr, WStr)),
    export!(wcsncpy(Ptr, WStr, Int)),
    export!(wcscat(Ptr, WStr)),
    export!(wcschr(WStr, Int)),
    export!(wcsrchr(WStr, Int)),
    export!(wcsstr(WStr, WStr)),
    export!(isalpha(Int)),
    export!(isdigit(Int)),
    export!(isalnum(Int)),
    export!(isspace(Int)),
    export!(isupper(Int)),
    export!(islower(Int)),
    export!(isxdigit(Int)),
    export!(ispunct(Int)),
    export!(isprint(Int)),
    export!(isgraph(Int)),
    export!(iscntrl(Int)),
    export!(toupper(Int)),
    export!(tolower(Int)),
    export!(towupper(Int)),
    export!(towlower(Int)),
    export!(iswspace(Int)),
    export!(iswalpha(Int)),
    export!(iswdigit(Int)),
    export!(strtol(Str, Ptr, Int)),
    export!(strtoul(Str, Ptr, Int)),
    export!(_strtoi64(Str, Ptr, Int)),
    export!(_strtoui64(Str, Ptr, Int)),
    export!(atoi(Str)),
    export!(atol(Str)),
    export!(_atoi64(Str)),
    export!(strtod(Str, Ptr)),
    export!(wcstol(WStr, Ptr, Int)),
    export!(wcstoul(WStr, Ptr, Int)),
    export!(_wcstoi64(WStr, Ptr, Int)),
    export!(_wcstoui64(WStr, Ptr, Int)),
    export!(wcstod(WStr, Ptr)),
    export!(_wtoi(WStr)),
    export!("_wtol" = _wtoi, (WStr)),
    export!(_wtoi64(WStr)),
    export!(_wtof(WStr)),
    export!(atof(Str)),
    export!(abs(Int)),
    export!(labs(Int)),
    export!(_abs64(Int)),
    export!(strerror(Int)),
    // Math (floating-point arguments travel in XMM registers).
    export!(acos(Int)),
    export!(asin(Int)),
    export!(atan(Int)),
    export!(ceil(Int)),
    export!(cos(Int)),
    export!(cosh(Int)),
    export!(exp(Int)),
    export!(fabs(Int)),
    export!(floor(Int)),
    export!(log(Int)),
    export!(log10(Int)),
    export!(sin(Int)),
    export!(sinh(Int)),
    export!(sqrt(Int)),
    export!(tan(Int)),
    export!(tanh(Int)),
    export!(_chgsign(Int)),
    export!(_isnan(Int)),
    export!(_finite(Int)),
    export!(acosf(Int)),
    export!(asinf(Int)),
    export!(atanf(Int)),
    export!(ceilf(Int)),
    export!(cosf(Int)),
    export!(coshf(Int)),
    export!(expf(Int)),
    export!(floorf(Int)),
    export!(logf(Int)),
    export!(log10f(Int)),
    export!(sinf(Int)),
    export!(sinhf(Int)),
    export!(sqrtf(Int)),
    export!(tanf(Int)),
    export!(tanhf(Int)),
    export!(atan2(Int, Int)),
    export!(fmod(Int, Int)),
    export!(pow(Int, Int)),
    export!(_hypot(Int, Int)),
    export!(_copysign(Int, Int)),
    export!(atan2f(Int, Int)),
    export!(fmodf(Int, Int)),
    export!(powf(Int, Int)),
    export!(modf(Int, Ptr)),
    export!(frexp(Int, Ptr)),
    export!(ldexp(Int, Int)),
    // Time conversions (time_t is 64-bit on x64: gmtime is _gmtime64...).
    export!(_gmtime64(Ptr)),
    export!("gmtime" = _gmtime64, (Ptr)),
    export!(_gmtime32(Ptr)),
    export!(_gmtime64_s(Ptr, Ptr)),
    export!(_localtime64(Ptr)),
    export!("localtime" = _localtime64, (Ptr)),
    export!(_localtime32(Ptr)),
    export!(_localtime64_s(Ptr, Ptr)),
    export!(_mktime64(Ptr)),
    export!("mktime" = _mktime64, (Ptr)),
    export!(_mktime32(Ptr)),
    export!(_mkgmtime64(Ptr)),
    export!("_mkgmtime" = _mkgmtime64, (Ptr)),
    export!(_mkgmtime32(Ptr)),
    export!(_difftime64(Int, Int)),
    export!("difftime" = _difftime64, (Int, Int)),
    export!(asctime(Ptr)),
    export!(_ctime64(Ptr)),
    export!("ctime" = _ctime64, (Ptr)),
    export!(strftime(Ptr, Int, Str, Ptr)),
    // Integers to text.
    export!(_itoa(Int, Ptr, Int)),
    export!(_itoa_s(Int, Ptr, Int, Int)),
    export!(_ltoa(Int, Ptr, Int)),
    export!(_ltoa_s(Int, Ptr, Int, Int)),
    export!(_ultoa(Int, Ptr, Int)),
    export!(_ultoa_s(Int, Ptr, Int, Int)),
    export!(_i64toa(Int, Ptr, Int)),
    export!(_i64toa_s(Int, Ptr, Int, Int)),
    export!(_ui64toa(Int, Ptr, Int)),
    export!(_ui64toa_s(Int, Ptr, Int, Int)),
    export!(_itow(Int, Ptr, Int)),
    export!(_itow_s(Int, Ptr, Int, Int)),
    export!(_ltow(Int, Ptr, Int)),
    export!(_ltow_s(Int, Ptr, Int, Int)),
    export!(_ultow(Int, Ptr, Int)),
    export!(_ultow_s(Int, Ptr, Int, Int)),
    export!(_i64tow(Int, Ptr, Int)),
    export!(_i64tow_s(Int, Ptr, Int, Int)),
    export!(_ui64tow(Int, Ptr, Int)),
    export!(_ui64tow_s(Int, Ptr, Int, Int)),
    // Environment, locale, time, misc.
    export!(getenv(Str)),
    export!(_putenv(Str)),
    export!(_wgetenv(WStr)),
    export!(___lc_codepage_func()),
    export!(___mb_cur_max_func()),
    export!(localeconv()),
    export!(setlocale(Int, Str)),
    export!(_time64(Ptr)),
    export!("time" = _time64, (Ptr)),
    export!(clock()),
    export!(srand(Int)),
    export!(rand()),
    export!("qsort" = msvcrt_qsort, (Ptr, Int, Int, Ptr)),
    export!("bsearch" = msvcrt_bsearch, (Ptr, Ptr, Int, Int, Ptr)),
    export!(_getcwd(Ptr, Int)),
    export!(_chdir(Str)),
    export!(_mkdir(Str)),
    export!(_rmdir(Str)),
    export!(_unlink(Str)),
    export!(_access(Str, Int)),
    export!(_getpid()),
    export!(_wremove(WStr)),
    export!("_wunlink" = _wremove, (WStr)),
    export!(_wrename(WStr, WStr)),
    export!(_wmkdir(WStr)),
    export!(_wrmdir(WStr)),
    export!(_wchdir(WStr)),
    export!(_wgetcwd(Ptr, Int)),
    export!(_waccess(WStr, Int)),
    // Threads.
    export!(_beginthreadex(Ptr, Int, Ptr, Ptr, Int, Ptr)),
    export!(_endthreadex(Int)),
    export!(_beginthread(Ptr, Int, Ptr)),
    export!(_endthread()),
];

fn process_attach(dll: &LoadedBuiltin) {
    lowio::init();
    stdio::init(dll.data("_iob"));
    cxx::type_info::init_vftable(dll.data("??_7type_info@@6B@"));
    cxx::std_exception::init(dll, dll.data("??_7type_info@@6B@"));
    startup::init_locks();
    misc::init_clock();
    startup::init(startup::Data {
        argc: dll.data("__argc"),
        argv: dll.data("__argv"),
        wargv: dll.data("__wargv"),
        environ: dll.data("_environ"),
        wenviron: dll.data("_wenviron"),
        initenv: dll.data("__initenv"),
        winitenv: dll.data("__winitenv"),
        acmdln: dll.data("_acmdln"),
        wcmdln: dll.data("_wcmdln"),
        fmode: dll.data("_fmode"),
        commode: dll.data("_commode"),
    });
}

fn process_detach() {
    stdio::flush_all();
}

/// msvcrt's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "msvcrt.dll",
    exports: EXPORTS,
    depends: &["kernel32.dll", "ntdll.dll"],
    init: Some(process_attach),
    detach: Some(process_detach),
    failure: Failure::Win32,
    declared: include_str!("../../../dlls/declared/lists/msvcrt.txt"),
};
