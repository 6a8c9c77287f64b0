// The syscall wrappers stackalloc NUL-terminated copies of names; zeroing them first would be wasted work.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
