using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Tests.Packages;

public class PackageReferenceTests
{
    [TestCase("hl7.fhir.r4.core#4.0.1", "hl7.fhir.r4.core", "4.0.1")]
    [TestCase("hl7.fhir.r4.core", "hl7.fhir.r4.core", null)]
    [TestCase(" ans.fhir.fr.annuaire # 1.1.0 ", "ans.fhir.fr.annuaire", "1.1.0")]
    [TestCase("hl7.fhir.fr.core#", "hl7.fhir.fr.core", null)]
    [TestCase("hl7.fhir.uv.extensions.r4#5.3.0-ballot-tc1", "hl7.fhir.uv.extensions.r4", "5.3.0-ballot-tc1")]
    [TestCase("ihe.iti.mhd@4.2.0", "ihe.iti.mhd", "4.2.0")]
    [TestCase("ch.fhir.ig.ch-core#4.0.x", "ch.fhir.ig.ch-core", "4.0.x")]
    public void Parse(string text, string name, string? version)
    {
        var reference = PackageReference.Parse(text);
        Assert.Multiple(() =>
        {
            Assert.That(reference.Name, Is.EqualTo(name));
            Assert.That(reference.Version, Is.EqualTo(version));
        });
    }

    [Test]
    public void ToString_uses_the_fhir_spelling()
    {
        Assert.That(new PackageReference("hl7.fhir.r4.core", "4.0.1").ToString(), Is.EqualTo("hl7.fhir.r4.core#4.0.1"));
        Assert.That(PackageReference.Parse(new PackageReference("a.b", "1.0.0").ToString()), Is.EqualTo(new PackageReference("a.b", "1.0.0")));
    }

    [TestCase("#4.0.1")]
    [TestCase("  ")]
    public void Parse_rejects_a_missing_name(string text)
    {
        Assert.Throws<FormatException>(() => PackageReference.Parse(text));
        Assert.That(PackageReference.TryParse(text, out _), Is.False);
    }
}
