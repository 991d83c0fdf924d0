using System.Runtime.InteropServices;
using FhirServer.Hosting;

namespace FhirServer.Tests.Hosting;

/// <summary>
/// Hosting.NativeAllocator fixes glibc's mmap threshold: a large native block freed and asked for again gets a mapping of
/// its own each time, given back when freed. By default glibc raises the threshold to the block freed, and serves the
/// second from its heap, which keeps it. Read through mallinfo2 (glibc 2.33 and later), in this process.
/// </summary>
public class NativeAllocatorTests
{
    // struct mallinfo2 (malloc.h): ten size_t; hblkhd is the bytes held in mappings of their own.
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 Mallinfo2();

    [Test]
    public void A_large_native_block_freed_and_asked_for_again_is_mapped_again()
    {
        Assert.That(OperatingSystem.IsLinux(), "The server's native memory settings are glibc's (Linux).");
        Assert.That(NativeAllocator.Configure(new ServerSettings()), Is.True, "glibc took the settings");
        const int size = 6 * 1024 * 1024;
        Marshal.FreeHGlobal(Marshal.AllocHGlobal(size));
        var before = Mallinfo2().Hblkhd;
        var block = Marshal.AllocHGlobal(size);
        try
        {
            Assert.That((long)(Mallinfo2().Hblkhd - before), Is.GreaterThanOrEqualTo(size), "the second block has a mapping of its own");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }

    [Test]
    public void The_settings_are_checked()
    {
        Assert.Throws<ConfigurationException>(() => new ServerSettings { NativeMmapThresholdBytes = 64 * 1024 * 1024 }.Validate());
        Assert.Throws<ConfigurationException>(() => new ServerSettings { NativeArenas = -1 }.Validate());
    }
}
