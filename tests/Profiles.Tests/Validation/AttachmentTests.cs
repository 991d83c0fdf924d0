using FhirServer.Profiles.Validation.Aspects;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Attachment.size against the inline data's length (R4 datatypes.html#Attachment).</summary>
public class AttachmentTests
{
    private static string DocumentReference(string size) => $$$"""
        {"resourceType":"DocumentReference","status":"current","content":[{"attachment":{"contentType":"text/plain",
         "data":"VGhpcyBpcyBzb21lIHRleHQ=","size":{{{size}}}}}]}
        """;

    [Test]
    public void The_stated_size_is_the_number_of_bytes_of_the_data()
    {
        var validator = Validator();
        Assert.That(validator.Validate(DocumentReference("17")).Errors(), Is.Empty);
        var report = validator.Validate(DocumentReference("50200200"));
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("Stated Attachment Size 50,200,200 does not match actual attachment size 17", "DocumentReference.content[0].attachment"),
        }), report.Describe());
    }

    [TestCase("", 0)]
    [TestCase("QQ==", 1)]
    [TestCase("QUI=", 2)]
    [TestCase("QUJD\nREVG", 6)]
    [TestCase("QUJ", null)]
    public void The_length_is_read_from_the_base64_text(string data, int? bytes) =>
        Assert.That(AttachmentSizeAspect.DecodedLength(data), Is.EqualTo((long?)bytes));
}
