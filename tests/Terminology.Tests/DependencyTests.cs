namespace FhirServer.Terminology.Tests;

/// <summary>Dependencies point one way: FhirServer → Profiles → Terminology → Conformance.</summary>
public class DependencyTests
{
    [Test]
    public void Terminology_depends_on_Conformance_only()
    {
        var references = typeof(FhirServer.Terminology.TerminologyAssembly).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.That(references, Does.Not.Contain("FhirServer.Profiles"));
        Assert.That(references, Does.Not.Contain("FhirServer"));
    }
}
