using System.Runtime.InteropServices;

namespace FhirServer.Hosting;

/// <summary>
/// The C allocator's settings for the native side of the process: SQLite (its copies of bodies bound or read, its
/// sorts), zlib and Brotli, the runtime itself. glibc serves a large block from its own mapping, given back to the
/// system when freed, but only above a threshold that it raises to the size of every such block freed (up to 32 MB):
/// after a few bodies of megabytes, the next ones come from its heaps, of which it keeps one per thread that met
/// contention (up to eight per core), and a heap gives back only its free top. Over a fuzzing run those heaps held some
/// 450 MB of the process's memory, freed but not given back (docs/fuzzing.md, "Memory"). A fixed threshold
/// (<see cref="ServerSettings.NativeMmapThresholdBytes"/>) keeps large blocks in mappings of their own, and fewer heaps
/// (<see cref="ServerSettings.NativeArenas"/>) less memory held free between them. Settings of glibc on Linux only;
/// elsewhere (or with another C library, where <c>mallopt</c> is missing) nothing is changed.
/// </summary>
internal static class NativeAllocator
{
    // malloc.h
    private const int MmapThreshold = -3;
    private const int ArenaMax = -8;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>
    /// Gives the free memory of the C allocator's heaps back to the system (malloc_trim(3): every heap, not only its
    /// top); false where there is no glibc.
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return MallocTrim(0) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Applies the settings (0 leaves glibc's own); false when the C library took none of them.</summary>
    public static bool Configure(ServerSettings settings)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var applied = true;
            // Setting the threshold also turns off glibc's raising of it (mallopt(3), M_MMAP_THRESHOLD).
            if (settings.NativeMmapThresholdBytes > 0) applied &= Mallopt(MmapThreshold, settings.NativeMmapThresholdBytes) == 1;
            if (settings.NativeArenas > 0) applied &= Mallopt(ArenaMax, settings.NativeArenas) == 1;
            return applied;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
