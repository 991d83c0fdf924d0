using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

/// <summary>FHIRPath memberOf() answered by the terminology through the hook the FHIRPath engine offers.</summary>
public class FhirPathMemberOfTests
{
    private static readonly FhirPathContext Context = new()
    {
        Registry = Support.TestTerminology.Context.Registry,
        MemberOf = FhirPathMemberOf.For(new ValueSetMembership(new TerminologySources(Support.TestTerminology.Context), new TerminologyOptions())),
    };

    private static string Eval(string expression, string resource) =>
        string.Join(",", FhirPathEngine.Evaluate(expression, Parse(resource), Context).Select(i => SystemValues.Format(i)));

    private const string Gender = "'http://hl7.org/fhir/ValueSet/administrative-gender'";

    [TestCase("""{"resourceType":"Patient","gender":"female"}""", "gender", "true")]
    [TestCase("""{"resourceType":"Patient","gender":"unknown"}""", "gender", "true")]
    [TestCase("""{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://hl7.org/fhir/administrative-gender","code":"male"}]}}""", "maritalStatus", "true")]
    [TestCase("""{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://hl7.org/fhir/administrative-gender","code":"M"}]}}""", "maritalStatus", "false")]
    [TestCase("""{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://hl7.org/fhir/administrative-gender","code":"M"}]}}""", "maritalStatus.coding[0]", "false")]
    public void Member_of_a_packaged_value_set(string resource, string path, string expected)
    {
        Assert.That(Eval($"{path}.memberOf({Gender})", resource), Is.EqualTo(expected));
    }

    [Test]
    public void Empty_when_the_value_set_is_unknown()
    {
        Assert.That(Eval("gender.memberOf('http://example.org/vs/nowhere')", """{"resourceType":"Patient","gender":"female"}"""), Is.Empty);
    }
}
