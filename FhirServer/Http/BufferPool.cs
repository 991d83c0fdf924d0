using System.Buffers;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using Microsoft.IO;

namespace FhirServer.Http;

/// <summary>
/// Pooled buffers for the largest things a request makes: its body and the Bundles it answers with. A body or a Bundle
/// of megabytes was a new array on the large object heap each time (a body twice: read, then copied out; a searchset
/// twice: built, then copied out), and the GC kept committed what that churn needed, several times what was alive. A
/// <see cref="RecyclableMemoryStream"/> is written in blocks of <see cref="BlockBytes"/> taken from a pool, and a
/// parser that needs one contiguous buffer gets one from a second pool; both take back what a request took when it
/// ends. What they keep free between requests is at most <see cref="ServerSettings.BufferPoolBytes"/>: a quarter of it
/// for blocks, the rest for contiguous buffers. Those come in sizes of 1, 2, 4, 8… MB, and the library bounds each
/// size on its own, so each size is given an equal part of the rest, and sizes larger than their part are not pooled:
/// such a buffer is allocated for its request and left to the GC (with the default, bodies and answers over 16 MB).
/// </summary>
public sealed class BufferPool
{
    public const int BlockBytes = 128 * 1024;
    public const int LargeBufferMultiple = 1024 * 1024;

    private readonly RecyclableMemoryStreamManager _manager;

    public BufferPool(ServerSettings settings)
    {
        var small = settings.BufferPoolBytes / 4;
        var (largest, perSize) = LargeSizes(settings.BufferPoolBytes - small);
        _manager = new RecyclableMemoryStreamManager(new RecyclableMemoryStreamManager.Options
        {
            BlockSize = BlockBytes,
            LargeBufferMultiple = LargeBufferMultiple,
            UseExponentialLargeBuffer = true,
            MaximumBufferSize = largest,
            // The library keeps a block while its free blocks are below the bound, so it may pass it by one block;
            // 0 would mean no bound at all.
            MaximumSmallPoolFreeBytes = Math.Max(1, small - BlockBytes),
            MaximumLargePoolFreeBytes = Math.Max(1, perSize),
            // Once a stream is made contiguous, its blocks go back at once rather than when it is disposed.
            AggressiveBufferReturn = true,
        });
    }

    /// <summary>
    /// The largest pooled contiguous buffer and what each size may keep, for <paramref name="bytes"/> in all: the most
    /// sizes (1 MB, 2 MB, … doubling) such that the largest still fits in its equal part.
    /// </summary>
    internal static (int Largest, long PerSize) LargeSizes(long bytes)
    {
        var sizes = 1;
        while (sizes < 11 && (long)LargeBufferMultiple << sizes <= bytes / (sizes + 1)) sizes++;
        return (LargeBufferMultiple << (sizes - 1), bytes / sizes);
    }

    /// <summary>Bytes the pools keep free for reuse: at most <see cref="ServerSettings.BufferPoolBytes"/>.</summary>
    public long FreeBytes => _manager.SmallPoolFreeSize + _manager.LargePoolFreeSize;

    /// <summary>Bytes of pooled buffers held by streams not yet disposed.</summary>
    public long InUseBytes => _manager.SmallPoolInUseSize + _manager.LargePoolInUseSize;

    /// <summary>A stream the caller disposes, which gives its buffers back.</summary>
    public RecyclableMemoryStream Rent(string tag) => _manager.GetStream(tag);

    /// <summary>A stream given back when the request ends (after its response is sent).</summary>
    public RecyclableMemoryStream Rent(HttpContext http, string tag)
    {
        var stream = _manager.GetStream(tag);
        http.Response.RegisterForDispose(stream);
        return stream;
    }

    /// <summary>
    /// The JSON of a resource in an array of its own size (a stored version's body): written in pooled blocks, then
    /// copied once. Written into an array that doubles, a resource of megabytes left three to four times its size of
    /// large-object-heap arrays behind.
    /// </summary>
    public byte[] Json(ElementNode resource)
    {
        using var stream = Rent("resource-json");
        FhirJsonWriter.Write((IBufferWriter<byte>)stream, resource);
        return stream.ToArray();
    }

    /// <summary>
    /// One contiguous buffer of <paramref name="stream"/>'s bytes, for a parser: the stream's own block when they fit in
    /// one, a pooled buffer otherwise. Valid while the stream is not disposed nor written to.
    /// </summary>
    public static ReadOnlyMemory<byte> Contiguous(RecyclableMemoryStream stream) => stream.GetBuffer().AsMemory(0, (int)stream.Length);
}
