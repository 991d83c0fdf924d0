using FhirServer.Http;

namespace FhirServer.Tests.Http;

/// <summary>
/// The pool of request bodies and response Bundles (Http.BufferPool) keeps at most Server:BufferPoolBytes free
/// between requests, whatever passed through it, and gives back everything a stream took when it is disposed.
/// </summary>
public class BufferPoolTests
{
    private const long Bound = 8L * 1024 * 1024;

    private static BufferPool Pool() => new(new ServerSettings { BufferPoolBytes = Bound });

    private static byte[] Content(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Test]
    public void What_the_pool_keeps_free_stays_within_its_bound()
    {
        var pool = Pool();
        // Sixteen bodies of 3 MB at once, each made contiguous as a parser asks: 48 MB in blocks, then in buffers.
        for (var round = 0; round < 3; round++)
        {
            var streams = Enumerable.Range(0, 16).Select(i =>
            {
                var stream = pool.Rent("test");
                stream.Write(Content(3 * 1024 * 1024 + i, i));
                Assert.That(BufferPool.Contiguous(stream).Length, Is.EqualTo(3 * 1024 * 1024 + i));
                return stream;
            }).ToList();
            Assert.That(pool.InUseBytes, Is.GreaterThanOrEqualTo(48L * 1024 * 1024));
            foreach (var stream in streams) stream.Dispose();
            Assert.That(pool.InUseBytes, Is.Zero);
            Assert.That(pool.FreeBytes, Is.GreaterThan(0).And.LessThanOrEqualTo(Bound));
        }
    }

    [Test]
    public void Each_size_of_buffer_gets_an_equal_part_and_larger_sizes_are_not_kept()
    {
        const long megabyte = 1024 * 1024;
        // 96 MB (the default's share): 1, 2, 4, 8 and 16 MB, 19.2 MB each; 32 MB would not fit a sixth of it.
        Assert.That(BufferPool.LargeSizes(96 * megabyte), Is.EqualTo(((int)(16 * megabyte), 96 * megabyte / 5)));
        Assert.That(BufferPool.LargeSizes(6 * megabyte), Is.EqualTo(((int)(2 * megabyte), 3 * megabyte)));
        // Below a megabyte no buffer fits: the sizes keep nothing.
        Assert.That(BufferPool.LargeSizes(megabyte / 2), Is.EqualTo(((int)megabyte, megabyte / 2)));
    }

    [Test]
    public void A_stream_holds_its_bytes_in_blocks_and_in_one_buffer_alike()
    {
        var pool = Pool();
        var content = Content(BufferPool.BlockBytes * 5 + 17, 7);
        using var stream = pool.Rent("test");
        // As the body is read: in pieces smaller than a block, through the stream's buffer-writer side.
        for (var offset = 0; offset < content.Length;)
        {
            var piece = Math.Min(16 * 1024 + 3, content.Length - offset);
            content.AsSpan(offset, piece).CopyTo(stream.GetSpan(piece));
            stream.Advance(piece);
            offset += piece;
        }
        Assert.That(stream.GetReadOnlySequence().IsSingleSegment, Is.False, "written in blocks");
        Assert.That(System.Buffers.BuffersExtensions.ToArray(stream.GetReadOnlySequence()), Is.EqualTo(content));
        Assert.That(BufferPool.Contiguous(stream).ToArray(), Is.EqualTo(content));
    }
}
