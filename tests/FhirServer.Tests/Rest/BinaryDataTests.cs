using System.Text;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Rest;

namespace FhirServer.Tests.Rest;

/// <summary>
/// <see cref="BinaryData.Detach"/>: a Binary's base64 is decoded from the UTF-8 of the request, into an array of the
/// document's size, whatever its padding; never through a string of the base64 (which for a document of megabytes is
/// twice its size again, and a slower decode).
/// </summary>
public class BinaryDataTests
{
    [TestCase(1024 * 1024)]       // 3n + 1 bytes: "=="
    [TestCase(1024 * 1024 + 1)]   // 3n + 2: "="
    [TestCase(1024 * 1024 + 2)]   // 3n: no padding
    [TestCase(1)]
    public void The_data_is_decoded_from_its_utf8_whatever_its_padding(int length)
    {
        var content = new byte[length];
        new Random(length).NextBytes(content);
        var json = $$"""{"resourceType":"Binary","contentType":"application/pdf","data":"{{Convert.ToBase64String(content)}}"}""";
        var binary = TestData.Context.Json.Parse(Encoding.UTF8.GetBytes(json)).Resource!;
        var data = binary.Child("data")!;
        Assert.That(data.TryGetUtf8Value(out _), Is.True, "held as UTF-8 once parsed");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var (body, bytes) = BinaryData.Detach(binary, null);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(body.Child("data"), Is.Null, "the body goes without its data");
        Assert.That(bytes!.Value.ToArray(), Is.EqualTo(content));
        Assert.That(data.TryGetUtf8Value(out _), Is.True, "decoded from the UTF-8, not from a string of it");
        // The document once, and the new root around the other children: not a second copy of the bytes.
        Assert.That(allocated, Is.LessThan(length + 16 * 1024), $"{allocated:N0} bytes allocated for a document of {length:N0}");
    }
}
