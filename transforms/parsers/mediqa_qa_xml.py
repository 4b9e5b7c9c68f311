"""MEDIQA 2019 QA XML: `<Question QID><QuestionText/><AnswerList><Answer AID ReferenceRank ReferenceScore>`.

A per-corpus format (the shared task's own XML). Each question is one QA record of type factoid, like
BigBio's mediqa_qa: its answers are the candidate answers the judges rated at least `min_score`
(ReferenceScore: 4 excellent, 3 correct but incomplete, 2 related, 1 incorrect), best ReferenceRank
first, so that the renderer's factoid output is the answer the judges ranked best. A question with no
answer rated that well has no record: it has no gold answer to give.
"""

import polars as pl

from schemas.errors import SourceError
from transforms.parsers._common import InputFile, family_frame, read_xml

NAME = "mediqa_qa_xml_v1"
OPTIONS = {"min_score": float}
FAMILY = "qa"


def _int(answer, attribute: str, file: InputFile, source: str) -> int:
    value = (answer.get(attribute) or "").strip()
    if not value.lstrip("-").isdigit():
        raise SourceError(source, f"answer needs an integer {attribute}, not {value!r}", file.name, answer.sourceline)
    return int(value)


def _answers(question, file: InputFile, source: str, min_score: int) -> list[str]:
    """The texts of the question's answers rated at least `min_score`, by ReferenceRank."""
    ranked, ranks = [], set()
    for answer in question.iterfind("AnswerList/Answer"):
        text = (answer.findtext("AnswerText") or "").strip()
        if not answer.get("AID") or not text:
            raise SourceError(source, "an answer needs an AID and an <AnswerText>", file.name, answer.sourceline)
        rank, score = _int(answer, "ReferenceRank", file, source), _int(answer, "ReferenceScore", file, source)
        if rank in ranks:
            raise SourceError(source, f"ReferenceRank {rank} repeats within the question", file.name, answer.sourceline)
        ranks.add(rank)
        if score >= min_score:
            ranked.append((rank, text))
    if not ranks:
        raise SourceError(source, "a question needs an <AnswerList> of <Answer>s", file.name, question.sourceline)
    return [text for _, text in sorted(ranked)]


def parse(files: list[InputFile], options: dict, source: str) -> pl.DataFrame:
    """Options: `min_score` (default 1: every answer) the lowest ReferenceScore an answer may have."""
    min_score = options.get("min_score", 1)
    rows = []
    for file in files:
        root = read_xml(file, source)
        questions = root.findall("Question")
        if not questions:
            raise SourceError(source, f"no <Question> element under <{root.tag}>", file.name, root.sourceline)
        seen: set[str] = set()
        for question in questions:
            qid, text = question.get("QID"), (question.findtext("QuestionText") or "").strip()
            if not qid or not text:
                raise SourceError(source, "a question needs a QID and a <QuestionText>", file.name, question.sourceline)
            if qid in seen:
                raise SourceError(source, f"question id {qid} repeats", file.name, question.sourceline)
            seen.add(qid)
            answers = _answers(question, file, source, min_score)
            if not answers:
                continue
            rid = f"{file.name}:{qid}"
            rows.append({
                "id": rid, "document_id": rid, "split": file.split, "source_file": file.name,
                "source_line": question.sourceline, "question_id": qid, "question": text, "type": "factoid",
                "choices": [], "context": "", "answer": answers,
            })
    return family_frame(rows, FAMILY)
