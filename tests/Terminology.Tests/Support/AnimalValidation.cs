using FhirServer.Terminology.Model;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests.Support;

/// <summary>$validate-code against value sets over the test animals (<see cref="TestTerminology.Animals"/>).</summary>
public static class AnimalValidation
{
    public const string AnimalsSystem = "http://example.org/cs/animals";

    public static readonly string Mammals =
        """{"include":[{"system":"http://example.org/cs/animals","filter":[{"property":"concept","op":"is-a","value":"mammal"}]}]}""";

    public static ValidateCodeResult InValueSet(ValidateCodeRequest request, string compose) =>
        Service().ValidateCodeInValueSet(request with { ValueSet = ValueSet(compose), TxResources = [Animals(), .. request.TxResources] });

    public static ValidateCodeRequest Coding(string? system, string code, string? display = null) =>
        new([new CodingValue(system, code, display)]) { IsCoding = true };
}
