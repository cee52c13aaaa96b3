"""The fixed benchmark workload: 60 questions a municipal user might ask.

Mostly German, a few English, spread over the five programme reports, plus a handful the
corpus cannot answer (so the refusal path is part of the measured mix, as in real use).
The list is the workload for latency and load measurements, not a quality test: it has no
expected answers (those live in evals/data/questions.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

ANKERORTE = "mpsc_ankerorte-des-digitalen-wandels_studie.pdf"
EVALUATION = "mpsc_ex-post-evaluation_strategiephasen.pdf"
MODELLPROJEKTE = "mpsc_modellprojekte-2020_gemeinwohl-netzwerkstadt.pdf"
KONFERENZ = "stadt-land-digital_bundeskonferenz_2022_klimaziele.pdf"
WORKSHOP = "stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"
OUTSIDE = ""  # the corpus has no answer


@dataclass(frozen=True)
class BenchQuestion:
    text: str
    document: str  # the report the question is about ("" = none)


def _q(document: str, *texts: str) -> list[BenchQuestion]:
    return [BenchQuestion(text, document) for text in texts]


QUESTIONS: tuple[BenchQuestion, ...] = (
    *_q(ANKERORTE,
       "Welche Grundtypen von Ankerorten des digitalen Wandels gibt es?",
       "Was ist ein Ankerort des digitalen Wandels?",
       "Wie viele Modellprojekte Smart Cities betreiben einen Ankerort?",
       "Was ist ein Makerspace und wozu dient er?",
       "Welche Erfolgsfaktoren nennt die Studie für den Start eines Stadtlabors?",
       "Worauf sollte man bei der Wahl des Standorts für einen Ankerort achten?",
       "Wie kann ein Ankerort nach dem Ende der Förderung weiterfinanziert werden?",
       "Welche Rolle spielen Ehrenamtliche in Digitalwerkstätten?",
       "Wie erreicht ein Stadtlabor ältere Menschen?",
       "Welche Kommunikationskanäle nutzen Ankerorte für ihre Zielgruppen?",
       "Was bietet der MakerSpace im Landkreis Mayen-Koblenz an?",
       "Was ist der Buntspeicher in Zwönitz?",
       "Was macht das Digitalzentrum in Süderbrarup?",
       "Wie wichtig ist die politische Unterstützung für ein Stadtlabor?",
       "Wie lassen sich die Wirkungen eines Ankerorts erfassen?",
       "Welche Qualifizierung braucht das Personal in einem Ankerort?",
       "Was sind kokreative Labore für Transformation?",
       "Warum braucht man beim Aufbau eines Ankerorts Geduld?",
       "Was ist der MobiDiZ?",
       "Wie vernetzen sich Ankerorte überregional?",
       "How can an anchor place of digital change keep running after funding ends?",
       "Which target groups do makerspaces in the model projects try to reach?"),
    *_q(EVALUATION,
       "Wie viele Modellprojekte haben eine Strategiephase durchlaufen?",
       "Was sind die Ziele des Programms Modellprojekte Smart Cities?",
       "Welche Handlungsempfehlungen gibt die Ex-Post-Evaluation den Kommunen?",
       "Warum wurden Strategiephasen verlängert?",
       "Wie wurden Bürgerinnen und Bürger an den Smart-City-Strategien beteiligt?",
       "Welche Rolle spielen Daten für die Stadt- und Regionalentwicklung?",
       "Wie wird Wissen aus den Modellprojekten in die Fläche übertragen?",
       "Wie haben die Kommunen ihre Smart-City-Teams organisiert?",
       "Welche Nachhaltigkeitsziele verfolgen die Smart-City-Strategien?",
       "Wann hat Detmold sein Smart City Konzept beschlossen?",
       "Welche Modellprojekte gehörten zur Staffel 1?",
       "What did the ex-post evaluation find about participation in the strategy phases?"),
    *_q(MODELLPROJEKTE,
       "Welche Förderziele haben die Modellprojekte Smart Cities 2020?",
       "Was plant Berlin mit dem Projekt Berlin lebenswert smart?",
       "Worum geht es im Projekt Connected Urban Twins von Hamburg, Leipzig und München?",
       "Was ist das Anwendungszentrum KI4KL in Kaiserslautern?",
       "Wie lautet das Motto des Kölner Projekts un|box Cologne?",
       "Was will Mannheim mit sMArt roots erreichen?",
       "Welche Idee steckt hinter SMILE CITY Rostock?",
       "Was plant Hagenow mit dem Projekt HageNOW?",
       "Welche Kommunen gehören zum Projekt Smart-Management Foxvalley?",
       "Was ist das Smart Village Bad Belzig und Wiesenburg?",
       "Was plant Jena unter dem Titel Jena digitalisiert, lernt und teilt?",
       "Welche Ziele hat das Projekt Smart Industrial City in Dortmund?",
       "Wer kooperiert im Projekt MYK10 – Network in Region?",
       "What is the Smarte KielRegion project about?"),
    *_q(KONFERENZ,
       "Wann und wo fand die Bundeskonferenz Klimaziele kommunal digital meistern statt?",
       "Wie viel CO2 lässt sich durch digitale Technologien bis 2030 einsparen?",
       "Welche Workshops wurden auf der Bundeskonferenz 2022 angeboten?",
       "Wie helfen smarte Sensoren bei der Ressourceneffizienz?",
       "Welcher Anteil der CO2-Emissionen entsteht in Städten?",
       "Wie kann Digitalisierung nachhaltige Mobilität auf dem Land unterstützen?"),
    *_q(WORKSHOP,
       "Wo fand der 11. Bundesländerworkshop statt?",
       "Wie viele Fachleute nahmen am 11. Bundesländerworkshop teil?",
       "Wie unterstützt Mecklenburg-Vorpommern Start-ups im Digitalen Innovationsraum?",
       "Was macht das Innovationslabor der Landesregierung Baden-Württemberg?",
       "Wie können Kommunen besser mit Start-ups zusammenarbeiten?",
       "Which federal states reported on their digitalisation strategies at the workshop?"),
    *_q(OUTSIDE,
       "Wie beantrage ich einen Bewohnerparkausweis?",
       "Wer gewann die Fußball-Weltmeisterschaft 2014?",
       "Wie hoch ist die Grundsteuer in Leipzig?",
       "What is the capital of Australia?"),
)
