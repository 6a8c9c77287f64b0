// The syscall wrappers stackalloc NUL-terminated copies of names; zeroing them first would be wasted work.
[module: System.Runtime.CompilerServices.SkipLocalsInit]

// Tests check the /proc fallback of the *xattrat calls against the calls themselves.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Strata.Union.Tests")]
