using System.Buffers;
using System.Text;
using System.Text.Json;
using FhirServer.Http;
using FhirServer.Rest;

namespace FhirServer.Tests.Rest;

/// <summary>
/// A Bundle is written in pooled blocks around its resources: a resource of megabytes is copied in block by block,
/// with no array of its size on the way (Utf8JsonWriter's raw values take a buffer of their own), and the Bundle is
/// valid JSON with its members in order whether an entry has a fullUrl or not.
/// </summary>
public class BundleJsonTests
{
    private static readonly BufferPool Pool = new(new ServerSettings());

    // 20 MB of JSON: past the largest buffer size the default pool keeps (16 MB), so a buffer of its size would be new.
    private static readonly byte[] Large = Encoding.UTF8.GetBytes($$$"""{"resourceType":"Basic","id":"big","code":{"text":"{{{new string('x', 20 * 1024 * 1024)}}}"}}""");

    private static ReadOnlySequence<byte> Build(string? fullUrl, ReadOnlySpan<byte> resource, out Microsoft.IO.RecyclableMemoryStream stream)
    {
        stream = Pool.Rent("test");
        using var bundle = new BundleJson(stream, "searchset", DateTimeOffset.UnixEpoch);
        bundle.StartEntry(fullUrl, resource);
        bundle.Search("match");
        bundle.EndEntry();
        bundle.StartEntry(null, """{"resourceType":"Basic","id":"small"}"""u8);
        bundle.EndEntry();
        return bundle.Finish().GetReadOnlySequence();
    }

    [TestCase("http://example.org/Basic/big")]
    [TestCase(null)]
    public void A_large_resource_is_written_whole_and_the_entry_goes_on(string? fullUrl)
    {
        Build(fullUrl, Large, out var stream);
        using (stream)
        {
            using var document = JsonDocument.Parse(stream.GetReadOnlySequence());
            var entries = document.RootElement.GetProperty("entry");
            var first = entries[0];
            Assert.That(first.EnumerateObject().Select(p => p.Name), Is.EqualTo(fullUrl is null ? new[] { "resource", "search" } : ["fullUrl", "resource", "search"]));
            Assert.That(Encoding.UTF8.GetBytes(first.GetProperty("resource").GetRawText()), Is.EqualTo(Large));
            Assert.That(entries[1].GetProperty("resource").GetProperty("id").GetString(), Is.EqualTo("small"));
        }
    }

    [Test]
    public void A_large_resource_is_copied_in_without_an_array_of_its_size()
    {
        Build("http://example.org/Basic/big", Large, out var warm);
        warm.Dispose();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Build("http://example.org/Basic/big", Large, out var stream);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        stream.Dispose();
        // The blocks come from the pool; what is left is the writer and the Bundle's own small values.
        Assert.That(allocated, Is.LessThan(1024 * 1024));
    }
}
